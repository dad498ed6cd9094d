"""Publish one day's digest in a process of its own, so that a test can kill it mid-send.

``python -m tests.support.publish CONFIG DATABASE_URL AS_OF REPORT_DATE`` (ISO dates) prints
the keys sent, failed and skipped as JSON when it finishes.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime

from connectors.config import load_config
from tasks.delivery.publish import publish_report


def main(config: str, database_url: str, as_of: str, report_date: str) -> None:
    run = publish_report(
        "daily",
        load_config(config),
        database_url,
        period=date.fromisoformat(report_date),
        as_of=datetime.fromisoformat(as_of),
    )
    d = run.delivery
    print(json.dumps({"sent": d.sent, "failed": d.failed, "skipped": d.skipped}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
