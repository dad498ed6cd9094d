"""CSV files people hand to storepulse (traffic, targets, rates): open, check, locate."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

from connectors.errors import ConfigError


def csv_rows(path: Path, what: str, columns: Sequence[str]) -> Iterator[tuple[str, dict[str, str]]]:
    """Yield ``(where, row)`` for each data row, ``where`` naming the file and line.

    Raises:
        ConfigError: the file cannot be read or lacks one of ``columns``.
    """
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"{what} file {path}: {exc.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ConfigError(f"{what} file {path}: missing column(s) {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            yield f"{path.name} line {line}", row
