"""Report tests; the golden-file helper in sample.py asserts with pytest's diffs."""

import pytest

pytest.register_assert_rewrite("tests.reports.sample")
