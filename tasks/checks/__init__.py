"""Checks over the metric history: anomalies, rules and data health, explained, as alerts."""
