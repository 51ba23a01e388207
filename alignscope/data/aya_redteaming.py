"""Aya red-teaming (CohereForAI/aya_redteaming): harmful prompts in 8 languages, label 1 only.

Hub files are `aya_<iso639-3>.jsonl` (`aya_eng`, `aya_hin`, `aya_arb`, ...) with fields `prompt`,
`language` (an English name: "English", "Tagalog", ...), `harm_category` (a JSON list written as
a string), `global_or_local`, and translations/explanations that alignscope does not read. Each
row's language comes from its `language` field, else from the file name; both are mapped to
ISO 639-1.
"""

from __future__ import annotations

import pandas as pd

from alignscope.data import languages, schema
from alignscope.data.tables import ColumnChoices

REPOS = ("CohereForAI/aya_redteaming", "CohereLabs/aya_redteaming")
COLUMNS = ("prompt", "harm_category")
CHOICES = ColumnChoices(text_column="prompt", harm_column="harm_category")


def split_language(split: str) -> str | None:
    """The language a file's split name gives (`aya_arb` -> `arb`, `english`), None if none (`aya_all`)."""
    code = split.removeprefix("aya_")
    return code if languages.is_language(code) else None


def harmful_rows(table: pd.DataFrame, split: str, where: str) -> pd.DataFrame:
    """An Aya split with label 1 on every row (unless the table has its own `label` column).

    Args:
      table: the split's rows.
      split: the split's name (unused: Aya rows need nothing from it).
      where: the split's file(s) (unused).
    """
    del split, where
    return table if schema.LABEL in table.columns else table.assign(**{schema.LABEL: 1})
