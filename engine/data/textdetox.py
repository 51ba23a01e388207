"""TextDetox corpora (CLEF 2024): multilingual toxicity and multilingual ParaDetox.

Both hub repositories have one split per language (`data/<lang>-*.parquet`). Split names are
kept as they are: `hin` is Hinglish (Hindi in Latin script), a different set from `hi`.
"""

from __future__ import annotations

import pandas as pd

from engine.data import schema
from engine.data.tables import parse_labels, require_columns, texts_of

TOXICITY_REPO = "textdetox/multilingual_toxicity_dataset"
PARADETOX_REPO = "textdetox/multilingual_paradetox"
TOXICITY_COLUMNS = ("text", "toxic")
PARADETOX_COLUMNS = ("toxic_sentence", "neutral_sentence")


def split_language(split: str) -> str:
    """The language of a TextDetox split: its name, as it is."""
    return split


def toxicity_frame(table: pd.DataFrame, lang: str, where: str) -> pd.DataFrame:
    """Canonical rows of one toxicity split: `text`, `label` (= `toxic`), `lang`.

    Args:
      table: the split's rows with columns `text` and `toxic` (1/0).
      lang: the split's language.
      where: the split's file(s), for messages.
    """
    require_columns(table, TOXICITY_COLUMNS, where)
    return pd.DataFrame(
        {
            schema.TEXT: texts_of(table["text"]),
            schema.LABEL: parse_labels(table["toxic"], where),
            schema.LANG: lang,
        }
    )


def paradetox_frame(table: pd.DataFrame, lang: str, where: str) -> pd.DataFrame:
    """Canonical rows of one ParaDetox split: each pair gives two rows sharing a pair id.

    Args:
      table: n pairs with columns `toxic_sentence` and `neutral_sentence`.
      lang: the split's language.
      where: the split's file(s), for messages.

    Returns:
      2n rows: pair i's toxic sentence (label 1) then its neutral paraphrase (label 0), both with
      pair id `f"{lang}-{i}"`.
    """
    require_columns(table, PARADETOX_COLUMNS, where)
    toxic, neutral = texts_of(table["toxic_sentence"]), texts_of(table["neutral_sentence"])
    n = len(toxic)
    return pd.DataFrame(
        {
            schema.TEXT: [text for pair in zip(toxic, neutral) for text in pair],
            schema.LABEL: [1, 0] * n,
            schema.LANG: lang,
            schema.PAIR_ID: [f"{lang}-{i}" for i in range(n) for _ in (1, 0)],
        }
    )

