"""HTML for email and for a standalone file: inline CSS, no script, autoescaped."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from reports.charts import TREND_CHART, charted
from reports.i18n import Locale
from reports.model import DailyDigest
from reports.sections import daily_sections

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


def render(template: str, **context: object) -> str:
    return _env.get_template(template).render(**context)
