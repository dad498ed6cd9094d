"""The metric catalogue (口径 as code): definitions, their SQL, comparisons and roll-ups."""
