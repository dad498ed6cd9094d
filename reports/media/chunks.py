"""Pack a report's sections into messages under a chat app's byte limit, never cutting one.

Chat robots count UTF-8 bytes (a Chinese character is three), of the whole request body or of
one field. Sections go out whole and in order; only a section that alone exceeds the budget is
split, at line ends, then (for a single line longer than the budget) between words, and only a
word longer than the budget is cut, between characters.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
Size = Callable[[str], int]


def utf8_size(text: str) -> int:
    """Bytes of ``text`` in UTF-8."""
    return len(text.encode("utf-8"))


def json_size(text: str) -> int:
    """Bytes ``text`` takes inside a JSON string sent as UTF-8 (escapes counted, quotes not)."""
    return utf8_size(json.dumps(text, ensure_ascii=False)) - 2


def pack(
    sections: Sequence[T], budget: int, size: Callable[[T], int], split: Callable[[T], list[T]]
) -> list[list[T]]:
    """Group ``sections`` in order into chunks whose sizes add up to at most ``budget``.

    A section larger than the budget is replaced by ``split(section)`` (pieces each within it)
    and those pieces are packed like sections.

    Raises:
        ValueError: ``split`` returned a piece still over the budget.
    """
    chunks: list[list[T]] = []
    used = budget + 1  # no chunk open yet
    for section in sections:
        for piece in split(section) if size(section) > budget else [section]:
            need = size(piece)
            if need > budget:
                raise ValueError(f"a piece of {need} bytes exceeds the budget of {budget}")
            if used + need > budget:
                chunks.append([])
                used = 0
            chunks[-1].append(piece)
            used += need
    return chunks


def pack_text(
    sections: Sequence[str], budget: int, size: Size = utf8_size, joiner: str = "\n\n"
) -> list[str]:
    """``sections`` joined by ``joiner`` into texts of at most ``budget`` (measured by ``size``)."""
    extra = size(joiner)
    groups = pack(
        sections,
        budget + extra,  # each section pays for one joiner; the last one's is not sent
        lambda s: size(s) + extra,
        lambda s: split_text(s, budget, size),
    )
    return [joiner.join(group) for group in groups]


def split_text(text: str, budget: int, size: Size = utf8_size) -> list[str]:
    """``text`` in pieces of at most ``budget``: whole lines where they fit, joined by line
    breaks; a longer line between words; a longer word between characters."""
    if budget < 1:
        raise ValueError(f"a budget of {budget} bytes holds nothing")
    lines: list[str] = []
    for line in text.split("\n"):
        lines += [line] if size(line) <= budget else _split_line(line, budget, size)
    return pack_text(lines, budget, size, "\n")


def _split_line(line: str, budget: int, size: Size) -> list[str]:
    words: list[str] = []
    for word in line.split(" "):
        words += [word] if size(word) <= budget else _split_word(word, budget, size)
    return pack_text(words, budget, size, " ")


def _split_word(word: str, budget: int, size: Size) -> list[str]:
    pieces = [""]
    for char in word:
        if size(char) > budget:
            raise ValueError(f"the character {char!r} alone exceeds a budget of {budget} bytes")
        if size(pieces[-1] + char) > budget:
            pieces.append("")
        pieces[-1] += char
    return pieces
