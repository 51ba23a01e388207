"""TextDetox corpora (CLEF 2024): multilingual toxicity and multilingual ParaDetox.

Both hub repositories have one split per language (`data/<lang>-*.parquet`). Split names are
kept as they are: `hin` is Hinglish (Hindi in Latin script), a different set from `hi`.
Toxicity tables (`text`, `toxic`) are read by column choices with `toxic` as the label column;
ParaDetox tables (`toxic_sentence`, `neutral_sentence`) are first turned into one row per text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alignscope.data import languages, schema
from alignscope.data.tables import ColumnChoices, require_column, texts_of

TOXICITY_REPO = "textdetox/multilingual_toxicity_dataset"
PARADETOX_REPO = "textdetox/multilingual_paradetox"
TOXICITY_COLUMNS = ("text", "toxic")
PARADETOX_COLUMNS = ("toxic_sentence", "neutral_sentence")
TOXICITY_CHOICES = ColumnChoices(label_column="toxic")
# Split names that are no language codes, with what they hold; matched only exactly, never mapped.
RESERVED = {"hin": "TextDetox Hinglish; Hindi is 'hi'"}


def split_language(split: str) -> str | None:
    """The language of a TextDetox split: its name as it is (`hin` stays Hinglish); None if the
    name is no language (a file `mydata.csv`)."""
    return split if split in RESERVED or languages.is_language(split) else None


def paradetox_rows(table: pd.DataFrame, split: str, where: str) -> pd.DataFrame:
    """One ParaDetox split with each pair turned into two rows sharing a pair id.

    Args:
      table: n pairs with columns `toxic_sentence` and `neutral_sentence` (others are repeated).
      split: the split's name, the prefix of its pair ids.
      where: the split's file(s), for messages.

    Returns:
      2n rows: pair i's toxic sentence (`text`, `label` 1) then its neutral paraphrase (label 0),
      both with `pair_id` `f"{split}-{i}"`.
    """
    toxic = texts_of(table[require_column(table, "toxic_sentence", where)])
    neutral = texts_of(table[require_column(table, "neutral_sentence", where)])
    n = len(toxic)
    rows = table.iloc[np.repeat(np.arange(n), 2)].reset_index(drop=True)
    rows[schema.TEXT] = [text for pair in zip(toxic, neutral) for text in pair]
    rows[schema.LABEL] = [1, 0] * n
    rows[schema.PAIR_ID] = [f"{split}-{i}" for i in range(n) for _ in (1, 0)]
    return rows
