"""Layout for monospace text (plain text, code blocks in chat): widths that know CJK."""

from __future__ import annotations

from reports.content.weekly import Heatmap


def display_width(text: str) -> int:
    """Columns a monospace font gives ``text``: CJK characters take two."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def pad(text: str, width: int, left: bool = True) -> str:
    gap = " " * max(0, width - display_width(text))
    return text + gap if left else gap + text


def grid(rows: list[list[str]]) -> list[str]:
    """Rows aligned in columns: the first (labels) left, the rest (numbers) right."""
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            pad(cell, w) if i == 0 else pad(cell, w, left=False)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def heatmap_lines(h: Heatmap) -> list[str]:
    return grid(
        [h.headers] + [[m, size] + [text for text, _ in cells] for m, size, cells in h.rows]
    )
