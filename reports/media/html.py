"""HTML for email and for a standalone page: inline CSS, no script, autoescaped."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from reports.charts import TREND_CHART, charted
from reports.content.alerts import notice_lines, notice_title
from reports.content.daily import daily_sections
from reports.content.weekly import WeeklySections, weekly_sections
from reports.i18n import Locale
from reports.model import AlertNotice, DailyDigest, LiveCampaign, LiveStore, Medium, WeeklyReview

TONES = {"good": "#1a7f37", "bad": "#cf222e", "": "#1f2328"}
SEVERITY = {"critical": "#cf222e", "warning": "#bf8700", "info": "#0969da"}

_env = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def daily_html(digest: DailyDigest, t: Locale) -> str:
    return render(
        "daily.html.j2",
        s=daily_sections(digest, t, sparklines=not charted(digest.kpis)),
        chart=TREND_CHART if charted(digest.kpis) else None,
        t=t,
        lang=t.language,
        tones=TONES,
        severity=SEVERITY,
    )


def weekly_html(r: WeeklyReview, t: Locale) -> str:
    return sections_html(weekly_sections(r, t), t)


def sections_html(s: WeeklySections, t: Locale) -> str:
    return render(
        "weekly.html.j2",
        s=s,
        t=t,
        lang=t.language,
        tones=TONES,
        severity=SEVERITY,
        shade=_shade,
    )


def notice_html(n: AlertNotice, t: Locale) -> str:
    return render(
        "alerts.html.j2",
        title=notice_title(n, t),
        lines=notice_lines(n, t),
        run_url=n.run_url,
        t=t,
        lang=t.language,
        severity=SEVERITY,
    )


def live_html(page: LiveCampaign, t: Locale, refresh: int = 60) -> str:
    """The live page of a campaign; the browser reloads it every ``refresh`` seconds (a meta
    refresh: the page runs no script)."""
    return render(
        "live.html.j2",
        title=f"{t('live_title')} · {page.campaign}",
        page=page,
        refresh=refresh,
        t=t,
        lang=t.language,
        pace=lambda s: _pace_lines(s, t),
        products=lambda s: [f"{title} · {units:,}" for title, units in s.top_products],
        codes=lambda s: [f"{code}{t('colon')}{count:,}" for code, count in s.code_orders],
    )


def _pace_lines(s: LiveStore, t: Locale) -> list[str]:
    return [
        f"{t.metric(metric)}{t('colon')}{actual:,.0f} / {target:,.0f}"
        f" ({actual / due:.0%} {t('pace')})"
        if due
        else f"{t.metric(metric)}{t('colon')}{actual:,.0f} / {target:,.0f}"
        for metric, target, actual, due in s.pace
    ]


def render(template: str, **context: object) -> str:
    return _env.get_template(template).render(**context)


def _shade(intensity: float | None) -> str:
    """A background from white to deep green as retention rises (40 % and up is darkest)."""
    if intensity is None:
        return "#ffffff"
    level = min(1.0, intensity / 0.4)
    r, g, b = (round(255 - (255 - c) * level) for c in (26, 127, 55))
    return f"#{r:02x}{g:02x}{b:02x}"


MEDIUM = Medium("html", daily_html, weekly_html, notice_html, sections_html)
