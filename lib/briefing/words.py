"""Words of the briefing's sentences: a noun or verb agreeing with its count, and lists as sentences write them."""
from __future__ import annotations


def plural(n: int, one: str, many: str | None = None, count: bool = True) -> str:
    """``1 measure``, ``3 measures``, ``1,000 errors``: ``one`` for a count of 1, else ``many`` (``one`` + "s"
    unless given: ``measures were``), after the count unless ``count`` is False (``has`` or ``have``)."""
    word = one if n == 1 else many or one + "s"
    return f"{n:,} {word}" if count else word


def listed(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``: the words as a sentence lists them (blank for none)."""
    words = list(words)
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def sentence_case(text: str) -> str:
    """``text`` with its first letter a capital and the rest as written ("rose from 2 in March" → "Rose from 2 in
    March"; ``str.capitalize`` would lower "March")."""
    return text[:1].upper() + text[1:]
