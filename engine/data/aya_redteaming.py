"""Aya red-teaming (CohereForAI/aya_redteaming): harmful prompts in 8 languages, label 1 only.

Hub files are `aya_<iso639-3>.jsonl` (`aya_eng`, `aya_hin`, `aya_arb`, ...) with fields `prompt`,
`language`, `harm_category` (a JSON list written as a string), `global_or_local`, and
translations/explanations that alignscope does not read. Languages are mapped to ISO 639-1.
"""

from __future__ import annotations

import pandas as pd

from engine.data import languages, schema
from engine.data.tables import parse_categories, require_columns, texts_of

REPOS = ("CohereForAI/aya_redteaming", "CohereLabs/aya_redteaming")
COLUMNS = ("prompt", "harm_category")


def split_language(split: str) -> str:
    """The ISO 639-1 language of a file's split name: `aya_arb` -> `ar`, `english` -> `en`."""
    return languages.to_iso1(split.removeprefix("aya_"))


def frame(table: pd.DataFrame, lang: str, where: str) -> pd.DataFrame:
    """Canonical rows of one Aya split: `text` (= `prompt`), `label` 1, `lang`,
    `harm_categories` (tuple of str) and `global_or_local` (`"global"`/`"local"`, None if absent).

    Args:
      table: the split's rows.
      lang: the split's language.
      where: the split's file(s), for messages.
    """
    require_columns(table, COLUMNS, where)
    n = len(table)
    glocal = table["global_or_local"].tolist() if "global_or_local" in table.columns else [None] * n
    return pd.DataFrame(
        {
            schema.TEXT: texts_of(table["prompt"]),
            schema.LABEL: [1] * n,
            schema.LANG: lang,
            schema.HARM_CATEGORIES: [parse_categories(v) for v in table["harm_category"].tolist()],
            schema.GLOBAL_OR_LOCAL: [v if isinstance(v, str) and v else None for v in glocal],
        }
    )
