"""Small trend charts as PNG: one image of the headline KPIs' last days, for email (inline, by
Content-ID) and Slack (uploaded in the digest's thread).

Matplotlib draws headless (Agg). Chinese labels need a CJK font (Debian: ``fonts-noto-cjk``);
without one the chart keeps English labels rather than show empty boxes.
"""

from __future__ import annotations

import io
import logging
import math
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator, PercentFormatter

from reports.i18n import Locale
from reports.model import Kpi

log = logging.getLogger(__name__)
ENGLISH = Locale("en")
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei")
#: Parts of those fonts' file names, to find one matplotlib has not listed yet.
CJK_FILE_MARKS = ("NotoSansCJK", "SourceHanSans", "wqy-zenhei")
LINE, LAST, GRID = "#0969da", "#cf222e", "#d0d7de"
#: The chart's name in emails (``cid:``) and as an uploaded file.
TREND_CHART = "kpi-trends.png"


@cache
def cjk_font() -> str | None:
    """The first installed font that has Chinese glyphs, if any.

    Matplotlib lists the system's fonts once and caches the list on disk, so a CJK font
    installed after that is invisible to it: when none is listed, look on disk once more.
    """
    found = _listed_cjk_font()
    if found is None:
        for path in font_manager.findSystemFonts():
            if any(mark in Path(path).name for mark in CJK_FILE_MARKS):
                font_manager.fontManager.addfont(path)
        found = _listed_cjk_font()
    return found


def _listed_cjk_font() -> str | None:
    for family in CJK_FONTS:
        try:
            font_manager.findfont(family, fallback_to_default=False)
        except ValueError:
            continue
        return family
    return None


def _axis_format(unit: str) -> Formatter:
    """Rates as percentages, amounts with thousands separators (k above ten thousand)."""
    if unit == "ratio":
        return PercentFormatter(1.0, decimals=1)
    return FuncFormatter(lambda v, _: f"{v / 1000:,.0f}k" if abs(v) >= 10_000 else f"{v:,.0f}")


def charted(kpis: list[Kpi]) -> bool:
    """Whether :func:`trend_chart` draws anything for these KPIs."""
    return any(_drawable(k) for k in kpis)


def _drawable(k: Kpi) -> bool:
    return sum(v is not None for v in k.trend) >= 2


def trend_chart(kpis: list[Kpi], t: Locale, currency: str) -> bytes | None:
    """The KPIs with a trend as a grid of small line charts, the last day marked; None when
    there is nothing to draw."""
    drawn = [k for k in kpis if _drawable(k)]
    if not drawn:
        return None
    chinese = t.language == "zh-CN" and cjk_font() is not None
    if t.language == "zh-CN" and not chinese:
        log.info("no CJK font installed (fonts-noto-cjk): the chart keeps English labels")
    columns = 3 if len(drawn) > 4 else 2
    rows = math.ceil(len(drawn) / columns)
    figure = Figure(figsize=(6.4, 1.6 * rows), dpi=150)
    families = [cjk_font() or "DejaVu Sans", "DejaVu Sans"]
    for index, k in enumerate(drawn):
        axes = figure.add_subplot(rows, columns, index + 1)
        points = [(i, float(v)) for i, v in enumerate(k.trend) if v is not None]
        xs, ys = zip(*points, strict=True)
        axes.plot(xs, ys, color=LINE, linewidth=1.4)
        axes.plot([xs[-1]], [ys[-1]], "o", color=LAST, markersize=3.5)
        label = (t if chinese else ENGLISH).metric(k.metric)
        value = t.number(k.value, k.unit, currency) if k.value is not None else ""
        axes.set_title(f"{label}  {value}", fontsize=8, loc="left", fontfamily=families)
        axes.yaxis.set_major_formatter(_axis_format(k.unit))
        axes.yaxis.set_major_locator(MaxNLocator(4))
        axes.tick_params(labelsize=6, length=0)
        axes.set_xticks([])
        axes.grid(axis="y", color=GRID, linewidth=0.5)
        for side in ("top", "right", "bottom"):
            axes.spines[side].set_visible(False)
        axes.spines["left"].set_color(GRID)
    figure.tight_layout(pad=0.6)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
