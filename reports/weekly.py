"""The weekly review in every medium: Slack blocks, HTML (with the cohort heatmap), Markdown,
and plain text. The content is formatted once (:func:`weekly_sections`) and laid out per medium.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports.html import SEVERITY, TONES, render
from reports.i18n import Locale
from reports.markdown import markdown_table, md
from reports.model import CohortRow, WeeklyReview
from reports.sections import Cell, alert_groups, display_width, kpi_cells, pad, product_text
from reports.slack import Block, header_block, kpi_table, mrkdwn_escape, section_blocks


@dataclass(frozen=True, slots=True)
class Heatmap:
    headers: list[str]
    #: (first-order month, customers, cells as (text, 0…1 intensity or None)).
    rows: list[tuple[str, str, list[tuple[str, float | None]]]]


@dataclass(frozen=True, slots=True)
class WeeklySections:
    title: str
    headers: list[str]
    kpi_rows: list[list[Cell]]
    #: (heading, lines) in reading order: pacing, channels, products, promotions, alerts.
    lists: list[tuple[str, list[str]]]
    heatmap: Heatmap | None
    run_url: str | None


def weekly_title(r: WeeklyReview, t: Locale) -> str:
    return f"{t('weekly_title')} · {r.store} · {t.week(r.week)}"


def weekly_sections(r: WeeklyReview, t: Locale) -> WeeklySections:
    headers = [t("kpi"), t("value"), t("vs_last_week"), t("vs_last_year")]
    rows = [kpi_cells(k, r.currency, t, ("prior", "year")) for k in r.kpis]
    money = r.currency
    lists: list[tuple[str, list[str]]] = []
    pacing = [
        f"{p.label_zh if t.language == 'zh-CN' else p.label_en}: {t('attained')} "
        + (t("na") if p.attained is None else f"{p.attained:.0%}")
        + (f" · {p.pace:.0%} {t('pace')}" if p.pace is not None else "")
        for p in r.pacing
    ]
    channels = [
        f"{c.channel}: {t.money(c.sales, money, 0)} · {c.share:.0%}"
        + (f" ({t.change(None, c.points)})" if c.points is not None else "")
        for c in r.channels
    ]
    products = [
        (t("top_products"), r.top_products),
        (t("bottom_products"), r.bottom_products),
    ]
    promotions = [
        f"{p.name} ({p.days} {t('days')}): {t.money(p.sales, money, 0)}, "
        f"{t.change(p.lift)} {t('vs_week_before')}"
        for p in r.promotions
    ]
    lists += [(t("pacing"), pacing), (t("channels"), channels)]
    for heading, items in products:
        lists.append((heading, [product_text(p, money, t) for p in items]))
    lists.append((t("promotions"), promotions))
    alerts = [
        f"{heading} [{a.severity_label}] {a.text}"
        for heading, views in alert_groups(r.alerts, money, t)
        for a in views
    ]
    lists.append((t("alert_rollup"), alerts or [t("no_alerts_week")]))
    return WeeklySections(
        weekly_title(r, t),
        headers,
        rows,
        [(h, lines) for h, lines in lists if lines],
        _heatmap(r.cohorts, t),
        r.run_url,
    )


def _heatmap(cohorts: list[CohortRow], t: Locale) -> Heatmap | None:
    if not cohorts:
        return None
    width = max(len(c.retention) for c in cohorts)
    headers = [t("first_order"), t("customers")] + [f"M{k}" for k in range(width)]
    rows = []
    for c in cohorts:
        cells: list[tuple[str, float | None]] = [
            ("" if v is None else f"{v:.0%}", None if v is None or k == 0 else v)
            for k, v in enumerate(c.retention)
        ]
        cells += [("", None)] * (width - len(cells))
        rows.append((t.month(c.month), f"{c.customers:,}", cells))
    return Heatmap(headers, rows)


# --- renderers ---------------------------------------------------------------------------------


def weekly_text(r: WeeklyReview, t: Locale) -> str:
    s = weekly_sections(r, t)
    width = max((display_width(row[0].text) for row in s.kpi_rows), default=10)
    lines = [s.title, "=" * min(display_width(s.title), 72), ""]
    for row in s.kpi_rows:
        first, value, *changes = (c.text for c in row)
        shown = " · ".join(f"{h} {c}" for h, c in zip(s.headers[2:], changes, strict=True))
        lines += [f"{pad(first, width)}  {value}", " " * width + "  " + shown]
    for heading, items in s.lists:
        lines += ["", heading] + [f"  - {i}" for i in items]
    if s.heatmap:
        lines += ["", t("cohorts"), *_heatmap_lines(s.heatmap)]
    if s.run_url:
        lines += ["", f"{t('run')}: {s.run_url}"]
    return "\n".join(lines) + "\n"


def weekly_markdown(r: WeeklyReview, t: Locale) -> str:
    s = weekly_sections(r, t)
    lines = [f"# {md(s.title)}", ""]
    lines += markdown_table(s.headers, [[c.text for c in row] for row in s.kpi_rows])
    for heading, items in s.lists:
        lines += ["", f"## {md(heading)}", ""] + [f"- {md(i)}" for i in items]
    if s.heatmap:
        h = s.heatmap
        lines += ["", f"## {md(t('cohorts'))}", ""]
        grid = [[month, size] + [text for text, _ in cells] for month, size, cells in h.rows]
        lines += markdown_table(h.headers, grid)
    if s.run_url:
        lines += ["", f"[{md(t('run'))}]({s.run_url})"]
    return "\n".join(lines) + "\n"


def weekly_blocks(r: WeeklyReview, t: Locale) -> list[Block]:
    s = weekly_sections(r, t)
    blocks: list[Block] = [header_block(s.title)]
    table = kpi_table(s.headers, [[c.text for c in row] for row in s.kpi_rows])
    blocks += section_blocks("```\n" + table + "\n```")
    for heading, items in s.lists:
        text = f"*{mrkdwn_escape(heading)}*\n" + "\n".join(f"• {mrkdwn_escape(i)}" for i in items)
        blocks += section_blocks(text)
    if s.heatmap:
        grid = mrkdwn_escape("\n".join(_heatmap_lines(s.heatmap)))
        blocks += section_blocks(f"*{mrkdwn_escape(t('cohorts'))}*\n```\n{grid}\n```")
    if s.run_url:
        blocks += section_blocks(f"<{s.run_url}|{mrkdwn_escape(t('run'))}>")
    return blocks


def weekly_html(r: WeeklyReview, t: Locale) -> str:
    return render(
        "weekly.html.j2",
        s=weekly_sections(r, t),
        t=t,
        lang=t.language,
        tones=TONES,
        severity=SEVERITY,
        shade=_shade,
    )


def _shade(intensity: float | None) -> str:
    """A background from white to deep green as retention rises (40 % and up is darkest)."""
    if intensity is None:
        return "#ffffff"
    level = min(1.0, intensity / 0.4)
    r, g, b = (round(255 - (255 - c) * level) for c in (26, 127, 55))
    return f"#{r:02x}{g:02x}{b:02x}"


def _heatmap_lines(h: Heatmap) -> list[str]:
    table = [h.headers] + [[m, size] + [text for text, _ in cells] for m, size, cells in h.rows]
    widths = [max(display_width(row[i]) for row in table) for i in range(len(h.headers))]
    return [
        "  ".join(
            pad(cell, w) if i == 0 else pad(cell, w, left=False)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in table
    ]
