"""Which detector should the daily checks use? Candidates raced on the same labelled history.

Tuning seeds (``tasks/checks/evaluation/labelled.py``) compare the candidates and sweep the
chosen one's threshold; the held-out seeds and NAB are then scored exactly as
``storepulse backtest`` does.

Candidates, all scored against history that excludes the scored day, with the same holiday and
campaign calendar and the same minimum-change guard:

- **robust seasonal** (storepulse): trailing de-seasonalised median level + weekday profile,
  MAD scale with floors, and the level check for drifts (``tasks/checks/detect.py``);
- **same-weekday median**: the median and MAD of the last eight same weekdays, in log space;
- **STL residual**: statsmodels' robust STL (period 7) over the last twelve weeks, forecasting
  trend + last week's seasonal, scaled by the MAD of the residuals;
- **z-score**: Elementary's default (14 days including the scored one, |z| > 3), as shipped.

Run: ``python -m benchmarks.anomalies [--no-docs]``.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks.report import update_section
from tasks.checks.detect import DetectorSettings, detect, robust_sigma, zscore
from tasks.checks.evaluation import labelled
from tasks.checks.evaluation.backtest import Tally, tally
from tasks.checks.evaluation.replay import nab_benchmark, store_benchmark

CACHE = Path("out/bench-cache/anomalies")
Flagger = Callable[[np.ndarray, bool, np.ndarray], np.ndarray]
DEFAULTS = DetectorSettings()


def robust_seasonal(settings: DetectorSettings = DEFAULTS) -> Flagger:
    return lambda x, counts, excluded: detect(x, settings.with_(counts=counts), excluded).any_flag


def same_weekday(x: np.ndarray, counts: bool, excluded: np.ndarray) -> np.ndarray:
    def model(logs: np.ndarray, phases: np.ndarray, phase: int) -> tuple[float, np.ndarray]:
        same = logs[phases == phase][-8:]
        return float(np.median(same)), same - np.median(same)

    return _flags(x, counts, excluded, model, history=56)


def stl_residual(x: np.ndarray, counts: bool, excluded: np.ndarray) -> np.ndarray:
    from statsmodels.tsa.seasonal import STL

    def model(logs: np.ndarray, phases: np.ndarray, phase: int) -> tuple[float, np.ndarray]:
        fit = STL(logs, period=7, robust=True).fit()
        seasonal = fit.seasonal[phases == phase][-1]
        return float(fit.trend[-1] + seasonal), np.asarray(fit.resid)

    return _flags(x, counts, excluded, model, history=84)


def _flags(
    x: np.ndarray,
    counts: bool,
    excluded: np.ndarray,
    model: Callable[[np.ndarray, np.ndarray, int], tuple[float, np.ndarray]],
    history: int,
) -> np.ndarray:
    """Score each day with ``model`` fitted on the usable days before it (log space)."""
    flags = np.zeros(len(x), bool)
    usable = ~np.isnan(x) & ~excluded
    for i in range(history, len(x)):
        if excluded[i] or np.isnan(x[i]):
            continue
        past = np.flatnonzero(usable[i - history : i]) + i - history
        offset = max(0.05 * float(np.median(x[past])), 1e-9)
        logs = np.log(x[past] + offset)
        centre, residuals = model(logs, past % 7, i % 7)
        scale = robust_sigma(residuals)
        expected = float(np.exp(centre) - offset)
        if counts:
            scale = max(scale, 1 / np.sqrt(max(expected, 1.0)))
        scale = max(scale, DEFAULTS.scale_floor)
        score = (np.log(x[i] + offset) - centre) / scale
        change = abs(x[i] - expected) / max(abs(expected), 1e-12)
        flags[i] = abs(score) >= DEFAULTS.threshold and change >= DEFAULTS.min_change
    return flags


def elementary(x: np.ndarray, counts: bool, excluded: np.ndarray) -> np.ndarray:
    return zscore(x).flagged


def race(flaggers: dict[str, Flagger], seeds: range) -> dict[str, tuple[Tally, Tally, float]]:
    """(injected, clean, seconds) per candidate over ``seeds``."""
    stores = [labelled.load_store(s, inj, CACHE) for s in seeds for inj in (True, False)]
    results = {}
    for name, flagger in flaggers.items():
        started = time.perf_counter()
        injected, clean = Tally(), Tally()
        for store in stores:
            flag_sets = []
            for metric, counts in labelled.METRICS.items():
                flags = flagger(store.series[metric], counts, store.excluded).copy()
                flags[: store.first_scored] = False
                flags[store.excluded] = False
                flag_sets.append(flags)
            result = tally(flag_sets, store.events, store.months)
            (injected if "injected" in store.name else clean).add(result)
        results[name] = (injected, clean, time.perf_counter() - started)
    return results


#: One-day event sizes, in noise units, at which recall is measured (the benchmark draws 5–8).
SIZES = (2.0, 3.0, 4.0, 5.0, 6.0, 8.0)
#: Days between the events planted in one series for the size curve.
SPACING = 30


def recall_by_size(seeds: range) -> dict[str, dict[float, float]]:
    """Recall of one-day spikes and drops by size, planted in the clean shops' traffic and sales.

    Every ``SPACING`` days of a clean shop's scored year, orders, sales and sessions are scaled by
    ``exp(±size × noise unit)``; a planted day is caught when one of those metrics' daily check
    flags it.
    """
    stores = [labelled.load_store(seed, False, CACHE) for seed in seeds]
    curve: dict[str, dict[float, float]] = {}
    for kind, sign in (("spike", 1), ("drop", -1)):
        curve[kind] = {}
        for size in SIZES:
            caught, planted = 0, 0
            for seed, store in zip(seeds, stores, strict=True):
                unit = labelled.noise_unit(kind, labelled.store_spec(seed, False).orders_per_day)
                days = _plant_days(store)
                flagged = _flag_planted(store, days, np.exp(sign * size * unit))
                caught, planted = caught + int(flagged.sum()), planted + len(days)
            curve[kind][size] = caught / planted
    return curve


def _plant_days(store: labelled.LabelledStore) -> np.ndarray:
    days = np.arange(store.first_scored + SPACING // 2, len(store.days), SPACING)
    return days[~store.excluded[days]]


def _flag_planted(store: labelled.LabelledStore, days: np.ndarray, factor: float) -> np.ndarray:
    flagged = np.zeros(len(days), bool)
    for metric, counts in labelled.METRICS.items():
        if metric == "conversion_rate":  # a spike or drop moves visits and orders alike
            continue
        values = store.series[metric].copy()
        values[days] *= factor
        flagged |= detect(values, DEFAULTS.with_(counts=counts), store.excluded).flagged[days]
    return flagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-docs", action="store_true", help="print, do not update docs")
    nab_dir = os.environ.get("STOREPULSE_NAB_DIR")
    parser.add_argument(
        "--nab",
        type=Path,
        default=Path(nab_dir) if nab_dir else None,
        help="the NAB data folder (default: $STOREPULSE_NAB_DIR)",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    candidates = {
        "robust seasonal (storepulse)": robust_seasonal(),
        "same-weekday median": same_weekday,
        "STL residual": stl_residual,
        "z-score (Elementary)": elementary,
    }
    raced = race(candidates, labelled.TUNING_SEEDS)
    sweep = race(
        {f"{t:g}": robust_seasonal(DEFAULTS.with_(threshold=t)) for t in (3.5, 4.0, 4.5, 5.0)},
        labelled.TUNING_SEEDS,
    )
    held_out = store_benchmark(CACHE)
    sizes = recall_by_size(labelled.HELD_OUT_SEEDS)
    if args.nab is None:
        parser.error("no NAB data folder: pass --nab DIR or set $STOREPULSE_NAB_DIR")
    nab = nab_benchmark(args.nab)
    markdown = render(raced, sweep, held_out, sizes, nab)
    print(markdown)
    if not args.no_docs:
        update_section("anomalies", markdown)


def render(
    raced: dict[str, tuple[Tally, Tally, float]],
    sweep: dict[str, tuple[Tally, Tally, float]],
    held_out: dict[str, object],
    sizes: dict[str, dict[float, float]],
    nab: dict[str, object],
) -> str:
    seeds = labelled.TUNING_SEEDS
    title = f"Candidates on the tuning seeds {seeds.start}–{seeds.stop - 1}"
    lines = [
        f"### {title} (`benchmarks/anomalies.py`)",
        "",
        "| detector | precision | recall | F1 | false alerts per store-month (clean) | seconds |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, (injected, clean, seconds) in raced.items():
        lines.append(
            f"| {name} | {_p(injected.precision)} | {_p(injected.recall)} | {_p(injected.f1)} "
            f"| {_p(clean.false_per_month)} | {seconds:.1f} |"
        )
    lines += ["", "Threshold sweep of the robust seasonal detector (tuning seeds):", ""]
    lines += ["| threshold | precision | recall | F1 | false / store-month (clean) |"]
    lines += ["|---:|---:|---:|---:|---:|"]
    for name, (injected, clean, _) in sweep.items():
        lines.append(
            f"| {name} | {_p(injected.precision)} | {_p(injected.recall)} | {_p(injected.f1)} "
            f"| {_p(clean.false_per_month)} |"
        )
    lines += ["", _held_out(held_out), "", _sizes(sizes), "", _nab(nab)]
    return "\n".join(lines)


def _held_out(result: dict[str, object]) -> str:
    seeds = result["seeds"]
    rows = [
        f"### Held-out seeds {seeds[0]}–{seeds[1]}: what `storepulse backtest` reports",  # type: ignore[index]
        "",
        "| detector | events | hits | false alerts | precision | recall | F1 "
        "| false alerts per store-month (clean) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in ("storepulse", "zscore"):
        t = result[name]["injected"]  # type: ignore[index]
        clean = result[name]["clean"]  # type: ignore[index]
        rows.append(
            f"| {name} | {t['events']} | {t['hits']} | {t['false_alerts']} | {_p(t['precision'])} "
            f"| {_p(t['recall'])} | **{_p(t['f1'])}** | **{_p(clean['false_alerts_per_month'])}** |"
        )
    ours = result["storepulse"]["injected"]  # type: ignore[index]
    kinds = ours["recall_by_kind"]
    rows += [
        "",
        f"Median days from an event's start to its first alert: {_p(ours['median_delay'])}. "
        "Recall per kind (storepulse): "
        + ", ".join(f"{k} {_p(v)}" for k, v in sorted(kinds.items())),
    ]
    return "\n".join(rows)


def _sizes(curve: dict[str, dict[float, float]]) -> str:
    rows = [
        "Recall of one-day events by size (noise units), planted every "
        f"{SPACING} days in the clean held-out shops:",
        "",
        "| kind | " + " | ".join(f"{size:g}" for size in SIZES) + " |",
        "|---|" + "---:|" * len(SIZES),
    ]
    for kind, by_size in curve.items():
        rows.append(f"| {kind} | " + " | ".join(_p(by_size[size]) for size in SIZES) + " |")
    return "\n".join(rows)


def _nab(nab: dict[str, object]) -> str:
    if "missing" in nab:
        return f"NAB: no data at {nab['missing']}."
    rows = [
        "### NAB: F1 per series (hits / false alerts), storepulse vs the z-score",
        "",
        "| series | grain | events | storepulse | z-score |",
        "|---|---|---:|---:|---:|",
    ]
    for row in nab["series"]:  # type: ignore[attr-defined]
        rows.append(
            f"| {row['series']} | {row['grain']} | {row['events']} | {_cell(row['storepulse'])} "
            f"| {_cell(row['zscore'])} |"
        )
    for grain, totals in nab["total"].items():  # type: ignore[attr-defined]
        rows.append(
            f"| **all series** | {grain} | {totals['storepulse']['events']} "
            f"| **{_cell(totals['storepulse'])}** | **{_cell(totals['zscore'])}** |"
        )
    return "\n".join(rows)


def _cell(t: dict[str, object]) -> str:
    return f"{_p(t['f1'])} ({t['hits']}/{t['false_alerts']})"  # type: ignore[arg-type]


def _p(value: object) -> str:
    return "n/a" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    main()
