"""The `Corpus` (texts, labels, languages and optional ids per row) and `load_corpus`.

    corpus = load_corpus("textdetox/multilingual_toxicity_dataset", langs=["en", "hi"], per_class=200)
    corpus = load_corpus("../shared/data/textdetox/multilingual_paradetox", langs=["zh"])
    corpus = load_corpus("my.csv", text_column="prompt", label_column="harmful", language="de")
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from alignscope.errors import AlignscopeError
from alignscope.data import cleaning, languages, sampling, schema, sources

logger = logging.getLogger(__name__)

# Corpus attribute -> canonical frame column, for the optional per-row fields.
_OPTIONAL = {
    "pair_ids": schema.PAIR_ID,
    "parallel_ids": schema.PARALLEL_ID,
    "harm_categories": schema.HARM_CATEGORIES,
    "global_or_local": schema.GLOBAL_OR_LOCAL,
}


@dataclasses.dataclass(frozen=True, eq=False)
class Corpus:
    """Rows of labelled texts in one or more languages.

    Attributes:
      texts: n texts.
      labels: [n] int64, 1 harmful or toxic, 0 harmless.
      langs: n language codes (ISO 639-1 where the source's split names are language codes).
      pair_ids: n ids, a toxic sentence and its neutral paraphrase share one; None if the source has none.
      parallel_ids: n ids, a sentence and its translations share one; None if the source has none.
      harm_categories: n tuples of category names (possibly empty); None if the source has none.
      global_or_local: n of "global", "local" or None; None if the source has none.
      source: the source's name (a hub id pinned to the commit read, `owner/name@<sha>`; a path;
        or "the demo corpus").
      empty_dropped: per language, rows dropped at loading for empty text (whitespace or
        invisible format characters only).
    """

    texts: list[str]
    labels: np.ndarray
    langs: list[str]
    pair_ids: list[str] | None = None
    parallel_ids: list[str] | None = None
    harm_categories: list[tuple[str, ...]] | None = None
    global_or_local: list[str | None] | None = None
    source: str = ""
    empty_dropped: dict[str, int] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", np.asarray(self.labels, dtype=np.int64).reshape(-1))
        n = len(self.texts)
        for name in ("labels", "langs", *_OPTIONAL):
            value = getattr(self, name)
            if value is not None and len(value) != n:
                raise ValueError(f"Corpus.{name} has {len(value)} entries for {n} texts")

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def languages(self) -> list[str]:
        """The languages present, in order of first appearance."""
        return list(dict.fromkeys(self.langs))

    def class_counts(self) -> dict[str, dict[int, int]]:
        """Per language, the number of rows of each label present: {"en": {0: 2500, 1: 2500}}."""
        counts: dict[str, dict[int, int]] = {}
        for lang, label in zip(self.langs, self.labels.tolist()):
            per_lang = counts.setdefault(lang, {})
            per_lang[label] = per_lang.get(label, 0) + 1
        return {lang: dict(sorted(c.items())) for lang, c in counts.items()}

    def duplicate_counts(self) -> dict[str, int]:
        """Per language, rows repeating a text seen earlier in that language (languages with none left out)."""
        return cleaning.duplicate_counts(self.texts, self.langs)

    def take(self, rows: Sequence[int] | np.ndarray) -> Corpus:
        """The corpus of the given row positions, in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        fields = {name: _take(getattr(self, name), rows) for name in ("texts", "langs", *_OPTIONAL)}
        kept = set(fields["langs"])
        dropped = {lang: n for lang, n in self.empty_dropped.items() if lang in kept}
        return Corpus(labels=self.labels[rows], source=self.source, empty_dropped=dropped, **fields)

    def select(self, langs: str | Sequence[str]) -> Corpus:
        """The rows of the given languages (ISO 639-1 or 639-3), language by language in that order.

        Raises:
          AlignscopeError: a language is not present; the message lists those present.
        """
        chosen = languages.resolve(langs, self.languages, self.source or "this corpus")
        per_lang = np.asarray(self.langs, dtype=object)
        return self.take(np.concatenate([np.flatnonzero(per_lang == lang) for lang in chosen]))

    def by_language(self) -> dict[str, Corpus]:
        """One corpus per language, in order of first appearance."""
        return {lang: self.select([lang]) for lang in self.languages}

    def to_pandas(self) -> pd.DataFrame:
        """One row per text: columns text, label, lang and the optional ones the corpus has
        (pair_id, parallel_id, harm_categories, global_or_local)."""
        frame = pd.DataFrame({schema.TEXT: self.texts, schema.LABEL: self.labels, schema.LANG: self.langs})
        for name, column in _OPTIONAL.items():
            if getattr(self, name) is not None:
                frame[column] = getattr(self, name)
        return frame

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, source: str = "", empty_dropped: dict[str, int] | None = None) -> Corpus:
        """A corpus from a canonical frame (`schema.py`); other columns are ignored."""
        optional = {name: _cells(frame, column) for name, column in _OPTIONAL.items()}
        return cls(
            texts=frame[schema.TEXT].tolist(),
            labels=frame[schema.LABEL].to_numpy(dtype=np.int64),
            langs=frame[schema.LANG].tolist(),
            source=source,
            empty_dropped=dict(empty_dropped or {}),
            **optional,
        )


def load_corpus(
    source: str | os.PathLike,
    langs: str | Sequence[str] | None = None,
    per_class: int | None = None,
    seed: int = 0,
    split: str | None = None,
    **column_choices: Any,
) -> Corpus:
    """Load a corpus: the demo corpus, a hub dataset, a directory laid out like one, or a table file.

    Args:
      source: "demo"; a hub id (textdetox/multilingual_toxicity_dataset,
        textdetox/multilingual_paradetox, CohereForAI/aya_redteaming, or another dataset laid out
        in per-split files), optionally pinned as `owner/name@revision`; a local directory laid
        out like one (`<lang>.parquet`, `data/<lang>-*.parquet`, or CSV/TSV/JSONL); or one
        CSV/TSV/JSONL/JSON/parquet file. A row's language is its table's language column
        (`lang`/`language`) where there is one, else its file's name where that is a language
        code, else the `language` choice; codes are mapped to ISO 639-1 unless the source also
        has that ISO 639-1 code itself (`hin` next to `hi` stays `hin`).
      langs: languages to keep (ISO 639-1 or 639-3; a source's own split names as they are);
        None: all.
      per_class: rows of each class per language, drawn with `seed` (whole pairs for ParaDetox,
        whole translation sets where rows have parallel ids); None: all rows.
      seed: a non-negative int.
      split: a split where the source has several (demo: "train"/"test"; a table's `split`
        column); for sources whose splits are languages (TextDetox, Aya) a language.
      **column_choices: text_column, label_column, lang_column, language, pair_column,
        parallel_column, harm_column, global_or_local_column, split_column (see
        `data.tables.ColumnChoices`); they override a recognised family's defaults, and
        None keeps the default.

    Returns:
      a Corpus, language by language (requested order) and in source order within a language.
      Empty texts (whitespace or invisible format characters only) are dropped (counted in
      `empty_dropped`); duplicate texts are kept and logged (`Corpus.duplicate_counts()`). A row
      with an empty language cell is an error, as is one without a label.

    Raises:
      AlignscopeError: bad path, unknown language, split or option, missing column, bad labels,
        a row without a language, two language codes that would become one, or `per_class`
        larger than what there is.
    """
    if per_class is not None and (not _is_int(per_class) or per_class < 1):
        raise AlignscopeError(f"per_class must be a positive int or None, not {per_class!r}")
    if not _is_int(seed) or seed < 0:
        raise AlignscopeError(f"seed must be a non-negative int, not {seed!r}")
    if isinstance(langs, str):
        langs = [langs]

    frame, name = sources.source_frame(source, langs, split, column_choices)
    frame, dropped = cleaning.drop_empty(frame)
    if dropped:
        logger.warning("%s: dropped %d rows with empty text (%s)", name, sum(dropped.values()), _per_lang(dropped))
    if frame.empty:
        raise AlignscopeError(f"{name} has no rows with text{f' in {list(langs)}' if langs else ''} "
                              f"({sum(dropped.values())} empty texts dropped); a corpus needs non-empty texts")
    if per_class is not None:
        frame = frame.iloc[sampling.per_class_rows(frame, int(per_class), int(seed), name)]
    corpus = Corpus.from_frame(frame, source=name, empty_dropped=dropped)
    duplicates = corpus.duplicate_counts()
    if duplicates:
        logger.warning("%s: %d duplicate texts kept (%s)", name, sum(duplicates.values()), _per_lang(duplicates))
    return corpus


def _is_int(value: Any) -> bool:
    """Whether `value` is a Python or numpy integer (bools are not)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _cells(frame: pd.DataFrame, column: str) -> list | None:
    """A column's values with missing ones as None (pandas may hold them as NaN); None if absent."""
    if column not in frame:
        return None
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in frame[column].tolist()]


def _take(values: list | None, rows: np.ndarray) -> list | None:
    return None if values is None else [values[i] for i in rows]


def _per_lang(counts: dict[str, int]) -> str:
    return ", ".join(f"{lang}: {n}" for lang, n in counts.items())
