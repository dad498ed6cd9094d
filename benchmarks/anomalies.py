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
- **trailing median/MAD**: the median and MAD of the last 28 days in log space, |z| ≥ 3.5, no
  weekly rhythm (the ten-line detector a user would write first);
- **z-score**: Elementary's default (14 days including the scored one, |z| > 3), as shipped.

Shops are reported small and big apart (``tasks/checks/evaluation/labelled.py``).

Run: ``python -m benchmarks.anomalies [--no-docs]``.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.anomaly_oracle import Ceilings, Knowing, ceiling
from benchmarks.report import update_section
from tasks.checks.detect import DetectorSettings, detect, zscore
from tasks.checks.evaluation import labelled
from tasks.checks.evaluation.backtest import Tally, tally
from tasks.checks.evaluation.replay import nab_benchmark, store_benchmark
from tasks.checks.tails import robust_sigma

CACHE = Path("out/bench-cache/anomalies")
#: A candidate: the flags it raises on a series watched as given, holidays excluded.
Flagger = Callable[[np.ndarray, labelled.Watched, np.ndarray], np.ndarray]
DEFAULTS = DetectorSettings()


def robust_seasonal(settings: DetectorSettings = DEFAULTS) -> Flagger:
    def flag(x: np.ndarray, watched: labelled.Watched, excluded: np.ndarray) -> np.ndarray:
        watching = settings.with_(counts=watched.counts, side=watched.side)
        return detect(x, watching, excluded).any_flag

    return flag


def same_weekday(x: np.ndarray, watched: labelled.Watched, excluded: np.ndarray) -> np.ndarray:
    def model(logs: np.ndarray, phases: np.ndarray, phase: int) -> tuple[float, np.ndarray]:
        same = logs[phases == phase][-8:]
        return float(np.median(same)), same - np.median(same)

    return _flags(x, watched, excluded, model, history=56)


def stl_residual(x: np.ndarray, watched: labelled.Watched, excluded: np.ndarray) -> np.ndarray:
    from statsmodels.tsa.seasonal import STL

    def model(logs: np.ndarray, phases: np.ndarray, phase: int) -> tuple[float, np.ndarray]:
        fit = STL(logs, period=7, robust=True).fit()
        seasonal = fit.seasonal[phases == phase][-1]
        return float(fit.trend[-1] + seasonal), np.asarray(fit.resid)

    return _flags(x, watched, excluded, model, history=84)


def _flags(
    x: np.ndarray,
    watched: labelled.Watched,
    excluded: np.ndarray,
    model: Callable[[np.ndarray, np.ndarray, int], tuple[float, np.ndarray]],
    history: int,
    threshold: float = DEFAULTS.default_threshold,
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
        if watched.counts:
            scale = max(scale, 1 / np.sqrt(max(expected, 1.0)))
        scale = max(scale, DEFAULTS.scale_floor)
        score = (np.log(x[i] + offset) - centre) / scale
        change = abs(x[i] - expected) / max(abs(expected), 1e-12)
        on_side = np.sign(score) in DEFAULTS.with_(side=watched.side).sides
        flags[i] = on_side and abs(score) >= threshold and change >= DEFAULTS.min_change
    return flags


def trailing_median(x: np.ndarray, watched: labelled.Watched, excluded: np.ndarray) -> np.ndarray:
    def model(logs: np.ndarray, phases: np.ndarray, phase: int) -> tuple[float, np.ndarray]:
        return float(np.median(logs)), logs - np.median(logs)

    return _flags(x, watched, excluded, model, history=28, threshold=3.5)


def elementary(x: np.ndarray, watched: labelled.Watched, excluded: np.ndarray) -> np.ndarray:
    return zscore(x, side=watched.side).flagged


GROUPS = ("small", "big", "all")


@dataclass(slots=True)
class Raced:
    """A candidate's tallies per shop size (``GROUPS``), injected twins and clean ones."""

    injected: dict[str, Tally] = field(default_factory=lambda: {g: Tally() for g in GROUPS})
    clean: dict[str, Tally] = field(default_factory=lambda: {g: Tally() for g in GROUPS})
    seconds: float = 0.0


def race(flaggers: dict[str, Flagger], seeds: range) -> dict[str, Raced]:
    stores = [labelled.load_store(s, inj, CACHE) for s in seeds for inj in (True, False)]
    results = {}
    for name, flagger in flaggers.items():
        started = time.perf_counter()
        raced = Raced()
        for store in stores:
            flag_sets = [
                store.checked(flagger(store.series[metric], watched, store.excluded))
                for metric, watched in labelled.METRICS.items()
            ]
            result = tally(flag_sets, store.events, store.months, skipped=store.excluded)
            twins = raced.injected if store.events else raced.clean
            for group in (store.size, "all"):
                twins[group].add(result)
        raced.seconds = time.perf_counter() - started
        results[name] = raced
    return results


#: One-day events planted for the size curve: how many times a usual day (spikes) and what
#: share of it is left (drops). The benchmark itself draws spikes of 1.8–2.5 and drops to
#: 0.35–0.55.
SIZES: dict[str, tuple[float, ...]] = {
    "spike": (1.5, 1.8, 2.0, 2.5, 3.0),
    "drop": (0.7, 0.55, 0.45, 0.35, 0.25),
}
#: Days between the events planted in one series for the size curve.
SPACING = 30


def recall_by_size(seeds: range) -> dict[str, dict[float, dict[str, float]]]:
    """Recall of one-day spikes and drops by size, planted in the clean shops' traffic and sales,
    small and big shops apart.

    Every ``SPACING`` days of a clean shop's scored year, orders, sales and sessions are
    multiplied by the size; a planted day is caught when one of those metrics' daily check
    flags it.
    """
    stores = [labelled.load_store(seed, False, CACHE) for seed in seeds]
    curve: dict[str, dict[float, dict[str, float]]] = {}
    for kind, factors in SIZES.items():
        curve[kind] = {}
        for factor in factors:
            caught = dict.fromkeys(GROUPS, 0)
            planted = dict.fromkeys(GROUPS, 0)
            for store in stores:
                days = _plant_days(store)
                flagged = int(_flag_planted(store, days, factor).sum())
                for group in (store.size, "all"):
                    caught[group] += flagged
                    planted[group] += len(days)
            curve[kind][factor] = {g: caught[g] / planted[g] for g in GROUPS}
    return curve


def _plant_days(store: labelled.LabelledStore) -> np.ndarray:
    days = np.arange(store.first_scored + SPACING // 2, len(store.days), SPACING)
    return days[~store.excluded[days]]


def _flag_planted(store: labelled.LabelledStore, days: np.ndarray, factor: float) -> np.ndarray:
    flagged = np.zeros(len(days), bool)
    for metric, watched in labelled.METRICS.items():
        if metric == "conversion_rate":  # a spike or drop moves visits and orders alike
            continue
        values = store.series[metric].copy()
        values[days] *= factor
        settings = DEFAULTS.with_(counts=watched.counts, side=watched.side)
        flagged |= detect(values, settings, store.excluded).any_flag[days]
    return flagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-docs", action="store_true", help="print, do not update docs")
    parser.add_argument(
        "--tuning-only",
        action="store_true",
        help="race the candidates on the tuning seeds only: the held-out seeds stay unseen",
    )
    nab_dir = os.environ.get("STOREPULSE_NAB_DIR")
    parser.add_argument(
        "--nab",
        type=Path,
        default=Path(nab_dir) if nab_dir else None,
        help="the NAB data folder (default: $STOREPULSE_NAB_DIR)",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.nab is None and not args.tuning_only:
        parser.error("no NAB data folder: pass --nab DIR or set $STOREPULSE_NAB_DIR")
    raced = race(CANDIDATES, labelled.TUNING_SEEDS)
    sweep = race(SWEEP, labelled.TUNING_SEEDS)
    tuning = _tuning(raced, sweep)
    bound = _ceiling(
        {name: ceiling(labelled.TUNING_SEEDS, CACHE, knowing) for name, knowing in KNOWING.items()}
    )
    print(bound)
    if not args.no_docs:
        update_section("anomalies-ceiling", bound)
    if args.tuning_only:
        print(tuning)
        return
    held_out = store_benchmark(CACHE)
    sizes = recall_by_size(labelled.HELD_OUT_SEEDS)
    nab = nab_benchmark(args.nab)
    markdown = "\n\n".join([tuning, _held_out(held_out), _sizes(sizes), _nab(nab)])
    print(markdown)
    if not args.no_docs:
        update_section("anomalies", markdown)


CANDIDATES: dict[str, Flagger] = {
    "robust seasonal (storepulse)": robust_seasonal(),
    "same-weekday median": same_weekday,
    "STL residual": stl_residual,
    "trailing median/MAD": trailing_median,
    "z-score (Elementary)": elementary,
}
#: The chosen detector at other settings, on the tuning seeds.
SWEEP: dict[str, Flagger] = {
    **{
        f"{rate:g} false alerts a month per metric": robust_seasonal(
            DEFAULTS.with_(false_alerts_per_month=rate)
        )
        for rate in (0.0625, 0.125, 0.25)
    },
    "fixed threshold 4, no cumulative check": robust_seasonal(
        DEFAULTS.with_(threshold=4.0, cumulative_days=())
    ),
}


def _tuning(raced: dict[str, Raced], sweep: dict[str, Raced]) -> str:
    seeds = labelled.TUNING_SEEDS
    lines = [
        f"### Candidates on the tuning seeds {seeds.start}–{seeds.stop - 1} "
        "(`benchmarks/anomalies.py`)",
        "",
        _race_table(raced, "detector", seconds=True),
        "",
        "The chosen detector at other settings (tuning seeds):",
        "",
        _race_table(sweep, "setting"),
    ]
    return "\n".join(lines)


def _ceiling(ceilings: dict[str, Ceilings]) -> str:
    """The oracle's settings (``benchmarks/anomaly_oracle.py``), as a table: what it knows, and
    how its thresholds were set."""
    rows = [
        "The ceiling on the tuning seeds (`benchmarks/anomaly_oracle.py`): an oracle that knows"
        " each shop's true expected demand and conversion, or only what the daily checks expect"
        " of them, at the thresholds best in hindsight, at those best on the other half of the"
        " seeds (held apart), and at the best that catch every multi-day drop by its second day:",
        "",
        "| oracle knowing | thresholds | precision | recall | F1 "
        "| false alerts per store-month (clean) | multi-day drops caught by their second day |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for knowing, found in ceilings.items():
        settings = {
            "best in hindsight": found.best,
            "held apart": found.held_apart,
            "every multi-day drop by its second day": found.early,
        }
        for name, setting in settings.items():
            if setting is None:
                rows.append(f"| {knowing} | {name} | no setting tried | | | | |")
                continue
            t = setting.injected
            rows.append(
                f"| {knowing} | {name} | {_p(t.precision)} | {_p(t.recall)} | {_p(t.f1)} "
                f"| {_p(setting.clean.false_per_month)} "
                f"| {_p(t.by_second_day('multi_day_drop'))} |"
            )
    return "\n".join(rows)


#: What the oracle is told of each day's expectation, as the table names it.
KNOWING: dict[str, Knowing] = {
    "the truth": "truth",
    "the detector's expectation": "detector",
}


def _race_table(raced: dict[str, Raced], first: str, seconds: bool = False) -> str:
    head = f"| {first} | shops | precision | recall | F1 | false alerts per store-month (clean) |"
    rule = "|---|---|---:|---:|---:|---:|"
    rows = [head + (" seconds |" if seconds else ""), rule + ("---:|" if seconds else "")]
    for name, result in raced.items():
        for group in GROUPS:
            t, clean = result.injected[group], result.clean[group]
            row = (
                f"| {name} | {group} | {_p(t.precision)} | {_p(t.recall)} | {_p(t.f1)} "
                f"| {_p(clean.false_per_month)} |"
            )
            shown = seconds and group == "all"
            rows.append(row + (f" {result.seconds:.1f} |" if shown else (" |" if seconds else "")))
    return "\n".join(rows)


def _held_out(result: dict[str, Any]) -> str:
    seeds = result["seeds"]
    rows = [
        f"### Held-out seeds {seeds[0]}–{seeds[1]}: what `storepulse backtest` reports",
        "",
        "| detector | shops | events | hits | false alerts | precision | recall | F1 "
        "| false alerts per store-month (clean) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in ("storepulse", "zscore"):
        for group in GROUPS:
            t, clean = result[name][group]["injected"], result[name][group]["clean"]
            rows.append(
                f"| {name} | {group} | {t['events']} | {t['hits']} | {t['false_alerts']} "
                f"| {_p(t['precision'])} | {_p(t['recall'])} | **{_p(t['f1'])}** "
                f"| **{_p(clean['false_alerts_per_month'])}** |"
            )
    rows += ["", "Per kind (storepulse, held-out):", ""]
    rows += ["| kind | shops | recall | caught by its second day | median days to first alert |"]
    rows += ["|---|---|---:|---:|---:|"]
    for kind in labelled.KINDS:
        for group in ("small", "big"):
            t = result["storepulse"][group]["injected"]
            rows.append(
                f"| {kind} | {group} | {_p(t['recall_by_kind'].get(kind))} "
                f"| {_p(t['by_second_day'].get(kind))} "
                f"| {_p(t['median_delay_by_kind'].get(kind))} |"
            )
    return "\n".join(rows)


def _sizes(curve: dict[str, dict[float, dict[str, float]]]) -> str:
    rows = [
        "Recall of one-day events by size, planted every "
        f"{SPACING} days in the clean held-out shops (small / big):",
        "",
    ]
    for kind, by_size in curve.items():
        what = "times a usual day" if kind == "spike" else "of a usual day left"
        rows += [f"| {kind} ({what}) | " + " | ".join(f"{f:g}" for f in by_size) + " |"]
        rows += ["|---|" + "---:|" * len(by_size)]
        cells = [f"{_p(r['small'])} / {_p(r['big'])}" for r in by_size.values()]
        rows += ["| recall | " + " | ".join(cells) + " |", ""]
    return "\n".join(rows).rstrip()


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
