"""Corpus hygiene: empty texts are dropped, duplicate texts are counted (and kept).

A text is empty when it holds only whitespace and invisible format characters (Unicode category
Cf: zero-width space U+200B, zero-width joiner, byte order mark, ...).
"""

from __future__ import annotations

from collections.abc import Sequence

import unicodedata

import numpy as np
import pandas as pd

from alignscope.data import schema


def drop_empty(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """`frame` without rows whose text is empty (`is_empty`), and the rows dropped per language.

    A dropped row takes its pair partner with it (rows sharing a `pair_id`), so pairs stay whole.
    """
    empty = np.array([is_empty(text) for text in frame[schema.TEXT].tolist()], dtype=bool)
    if schema.PAIR_ID in frame and empty.any():
        broken = set(frame.loc[empty, schema.PAIR_ID].dropna())
        empty |= frame[schema.PAIR_ID].isin(broken).to_numpy()
    dropped = frame.loc[empty, schema.LANG].value_counts(sort=False)
    counts = {str(lang): int(n) for lang, n in dropped.items() if n}
    return frame.loc[~empty].reset_index(drop=True), counts


def is_empty(text: str) -> bool:
    """Whether `text` holds nothing but whitespace and invisible format characters."""
    return all(char.isspace() or unicodedata.category(char) == "Cf" for char in text)


def duplicate_counts(texts: Sequence[str], langs: Sequence[str]) -> dict[str, int]:
    """Per language, how many rows repeat a text seen earlier in that language (0s left out)."""
    seen: set[tuple[str, str]] = set()
    counts: dict[str, int] = {}
    for text, lang in zip(texts, langs):
        if (lang, text) in seen:
            counts[lang] = counts.get(lang, 0) + 1
        else:
            seen.add((lang, text))
    return counts
