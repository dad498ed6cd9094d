"""One module per medium, each rendering the daily digest, the weekly review and alert notices."""
