"""The registry is complete and its documentation current."""

from __future__ import annotations

from reports.i18n import LANGUAGES, METRIC_LABELS
from tasks.metrics.docs import DOC, render
from tasks.metrics.facts import ADDITIVE, NOT_SUMMED, RECORDED_ONLY
from tasks.metrics.registry import HEADLINE, METRICS, REGISTRY

#: Measures produced for breakdowns or from inventory, besides the additive and moment ones.
OTHER_MEASURES = {"line_sales_minor", "cohort_retention", "cohort_customers", *RECORDED_ONLY}


def test_docs_metrics_md_is_generated_from_the_registry() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), "run: python -m tasks.metrics.docs"


def test_every_metric_is_fully_described() -> None:
    assert len(REGISTRY) == len(METRICS)
    for m in METRICS:
        assert m.formula, m.name
        assert all(METRIC_LABELS[language].get(m.name) for language in LANGUAGES), m.name
        assert m.unit in ("money", "count", "ratio", "multiple", "days", "hours", "units"), m.name
        if m.group not in ("targets", "budgets"):  # read against a configured plan, not summed
            assert m.uses, m.name
            assert set(m.uses) <= set(ADDITIVE) | NOT_SUMMED | OTHER_MEASURES, m.name
        if m.aggregation == "ratio":
            assert m.compute({}) is None, m.name  # a ratio over nothing is n/a
    assert set(HEADLINE) <= REGISTRY.keys()
    for language in LANGUAGES:  # no label left for a metric that is gone
        assert METRIC_LABELS[language].keys() == REGISTRY.keys(), language


def test_ratios_are_na_over_zero_and_sums_are_zero_over_nothing() -> None:
    empty = dict.fromkeys(ADDITIVE, 0)
    assert REGISTRY["aov"].compute(empty) is None
    assert REGISTRY["conversion_rate"].compute(empty) is None
    assert REGISTRY["net_sales"].compute(empty) == 0
    assert (
        REGISTRY["aov"].compute(empty | {"gross_minor": 1000, "discounts_minor": 100, "orders": 3})
        == 300
    )
