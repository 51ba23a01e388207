"""Local tables: reading CSV/TSV/JSONL/JSON/parquet files, finding the per-split files of a
directory laid out like a Hugging Face dataset repository, and turning any table into a
canonical corpus frame (see `engine/data/schema.py`) by column choices.

Directory layouts understood (a split is usually a language):
  `<split>.parquet`, `data/<split>-00000-of-00001.parquet`, `data/<split>-*.parquet`,
  and the same with `.csv`, `.tsv` or `.jsonl`.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import pathlib
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from alignscope.errors import AlignscopeError
from engine.data import languages, schema

TABLE_SUFFIXES = (".parquet", ".csv", ".tsv", ".jsonl", ".json")
# `.json` is left out of directory scans: hub repositories keep metadata in JSON files.
_SPLIT_SUFFIXES = (".parquet", ".csv", ".tsv", ".jsonl")
_SHARD = re.compile(r"-\d+-of-\d+$")


def is_table(path: pathlib.Path) -> bool:
    """Whether `path`'s name ends in a table suffix alignscope reads."""
    return path.suffix.lower() in TABLE_SUFFIXES


def read_table(path: pathlib.Path) -> pd.DataFrame:
    """All rows of one CSV, TSV, JSONL, JSON (a list of records) or parquet file.

    CSV/TSV cells are kept as written: only an empty cell is missing (a text "NA" stays "NA").
    """
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix in (".csv", ".tsv"):
            sep = "\t" if suffix == ".tsv" else ","
            return pd.read_csv(path, sep=sep, keep_default_na=False, na_values=[""])
        if suffix == ".jsonl":
            with open(path, encoding="utf-8") as f:
                return pd.DataFrame([json.loads(line) for line in f if line.strip()])
        if suffix == ".json":
            with open(path, encoding="utf-8") as f:
                return pd.DataFrame(json.load(f))
    except (OSError, ValueError) as e:
        raise _unreadable(path, e) from e
    raise AlignscopeError(f"cannot read {path}: accepted table files end in {', '.join(TABLE_SUFFIXES)}")


def read_columns(path: pathlib.Path) -> list[str]:
    """The column names of a table file, reading as little of it as the format allows."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return list(pq.read_schema(path).names)
        if suffix in (".csv", ".tsv"):
            return list(pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", nrows=0).columns)
        if suffix == ".jsonl":
            with open(path, encoding="utf-8") as f:
                return next((list(json.loads(line)) for line in f if line.strip()), [])
    except (OSError, ValueError) as e:
        raise _unreadable(path, e) from e
    return list(read_table(path).columns)


def split_name(path: pathlib.Path, in_data_folder: bool) -> str:
    """The split a file holds: `en.parquet` -> `en`, `data/en-00000-of-00001.parquet` -> `en`."""
    stem = _SHARD.sub("", path.name[: -len(path.suffix)])
    if in_data_folder and "-" in stem:
        return stem.split("-", 1)[0]
    return stem


def split_files(directory: pathlib.Path) -> dict[str, list[pathlib.Path]]:
    """The table files of each split in `directory` (top level and `data/`), splits sorted by name.

    Raises:
      AlignscopeError: no table file found, or one split stored in two formats.
    """
    found: dict[str, list[pathlib.Path]] = {}
    for folder, in_data in ((directory, False), (directory / "data", True)):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix.lower() in _SPLIT_SUFFIXES:
                found.setdefault(split_name(path, in_data), []).append(path)
    if not found:
        raise AlignscopeError(
            f"no table files in {directory}; expected <lang>.parquet or data/<lang>-*.parquet "
            f"(or .csv, .tsv, .jsonl)"
        )
    for split, paths in found.items():
        if len({p.suffix.lower() for p in paths}) > 1:
            raise AlignscopeError(
                f"split {split!r} of {directory} is stored in several formats: {', '.join(map(str, paths))}"
            )
    return dict(sorted(found.items()))


def read_split(paths: list[pathlib.Path]) -> pd.DataFrame:
    """The rows of one split, its files (shards) concatenated in name order."""
    tables = [read_table(p) for p in paths]
    return tables[0] if len(tables) == 1 else pd.concat(tables, ignore_index=True)


def require_columns(table: pd.DataFrame, columns: tuple[str, ...], where: str) -> None:
    """Raises AlignscopeError naming the first of `columns` that `table` lacks, and its columns."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise AlignscopeError(f"no column {missing[0]!r} in {where}; columns: {', '.join(map(str, table.columns))}")


def texts_of(values: pd.Series) -> list[str]:
    """Cell values as texts; a missing cell becomes `""` (dropped later as empty)."""
    return ["" if _missing(v) else str(v) for v in values.tolist()]


def parse_labels(values: pd.Series, where: str) -> np.ndarray:
    """Labels as an int64 array of 0/1 from ints, floats, bools or digit strings.

    Raises:
      AlignscopeError: a label is missing or not 0/1; the message shows the values found.
    """
    missing = int(values.isna().sum())
    if missing:
        raise AlignscopeError(f"{missing} rows of {where} have no label; labels must be 0 or 1 (1 harmful)")
    as_numbers = values.astype(object).map(lambda v: int(v) if isinstance(v, bool) else v)
    numbers = pd.to_numeric(as_numbers, errors="coerce")
    bad = numbers.isna() | ~numbers.isin([0, 1])
    if bad.any():
        found = sorted({str(v) for v in values[bad].tolist()})[:5]
        raise AlignscopeError(f"labels in {where} must be 0 or 1 (1 harmful); found {', '.join(found)}")
    return numbers.to_numpy().astype(np.int64)


def parse_categories(value: Any) -> tuple[str, ...]:
    """Harm categories of one row: a list, a JSON/Python list written as a string, or one name.

    `'["Violence, Threats & Incitement", "Hate Speech"]'` -> two categories (a name may hold a
    comma, so a plain string is one category).
    """
    if isinstance(value, (list, tuple, np.ndarray)):
        items = list(value)
    elif _missing(value):
        return ()
    else:
        text = str(value).strip()
        if not text.startswith("["):
            return (text,) if text else ()
        try:
            items = json.loads(text)
        except ValueError:
            try:
                items = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                return (text,)
    return tuple(s for s in (str(v).strip() for v in items) if s)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ColumnChoices:
    """Which columns of a local table hold what; `load_corpus(**column_choices)` fills it.

    Attributes:
      text_column: the texts.
      label_column: 1 harmful/toxic, 0 harmless.
      lang_column: each row's language; default `lang`, else `language`, where present.
      language: the one language of a table without a language column.
      pair_column: toxic/neutral pair ids; default `pair_id` where present.
      parallel_column: translation-set ids; default `parallel_id` where present.
      harm_column: harm categories; default `harm_categories` or `harm_category` where present.
      global_or_local_column: default `global_or_local` where present.
      split_column: what `split=` selects on; default `split`, else the file's split name.
    """

    text_column: str = "text"
    label_column: str = "label"
    lang_column: str | None = None
    language: str | None = None
    pair_column: str | None = None
    parallel_column: str | None = None
    harm_column: str | None = None
    global_or_local_column: str | None = None
    split_column: str | None = None

    @classmethod
    def from_kwargs(cls, kwargs: Mapping[str, Any]) -> ColumnChoices:
        """Choices from `load_corpus` keyword arguments; unknown names are an error."""
        accepted = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(kwargs) - set(accepted))
        if unknown:
            raise AlignscopeError(f"unknown option(s) {', '.join(unknown)}; accepted: {', '.join(accepted)}")
        return cls(**kwargs)


def canonical_frame(
    table: pd.DataFrame,
    where: str,
    choices: ColumnChoices,
    file_split: str | None = None,
    default_lang: str | None = None,
) -> pd.DataFrame:
    """A canonical corpus frame from any table.

    Args:
      table: the rows, any columns.
      where: how to name the table in messages (a path).
      choices: which columns hold what.
      file_split: the split of the file the rows come from, for tables without a split column.
      default_lang: the language when the table has no language column and no `language` choice.

    Returns:
      one row per table row, columns `text`, `label`, `lang` (ISO 639-1 where the code is known),
      the optional ones the table has, and `split` (`schema.SPLIT`, for selection while loading)
      where known.

    Raises:
      AlignscopeError: a chosen or required column is missing (the message lists the columns),
        or bad labels.
    """
    columns = list(table.columns)

    def pick(chosen: str | None, defaults: tuple[str, ...], option: str) -> str | None:
        if chosen is not None:
            if chosen not in columns:
                raise _missing_column(chosen, option, where, columns)
            return chosen
        return next((c for c in defaults if c in columns), None)

    text_column = pick(choices.text_column, (), "text_column")
    label_column = pick(choices.label_column, (), "label_column")
    frame = pd.DataFrame(
        {schema.TEXT: texts_of(table[text_column]), schema.LABEL: parse_labels(table[label_column], where)}
    )
    if choices.language is not None and choices.lang_column is not None:
        raise AlignscopeError("give lang_column or language, not both")
    lang_column = None
    if choices.language is None:
        lang_column = pick(choices.lang_column, ("lang", "language"), "lang_column")
    if lang_column is not None:
        raw = texts_of(table[lang_column])
        mapping = {code: languages.to_iso1(code) for code in set(raw)}
        frame[schema.LANG] = [mapping[code] for code in raw]
    elif choices.language is not None or default_lang is not None:
        frame[schema.LANG] = languages.to_iso1(choices.language if choices.language is not None else default_lang)
    else:
        raise AlignscopeError(
            f"no language column ('lang' or 'language') in {where}; columns: {', '.join(map(str, columns))}; "
            f"pass lang_column=NAME or language=CODE"
        )

    for column, chosen, defaults, option in (
        (schema.PAIR_ID, choices.pair_column, ("pair_id",), "pair_column"),
        (schema.PARALLEL_ID, choices.parallel_column, ("parallel_id",), "parallel_column"),
        (schema.HARM_CATEGORIES, choices.harm_column, ("harm_categories", "harm_category"), "harm_column"),
        (schema.GLOBAL_OR_LOCAL, choices.global_or_local_column, ("global_or_local",), "global_or_local_column"),
    ):
        name = pick(chosen, defaults, option)
        if name is None:
            continue
        values = table[name].tolist()
        if column == schema.HARM_CATEGORIES:
            frame[column] = [parse_categories(v) for v in values]
        else:
            frame[column] = [None if _missing(v) else str(v) for v in values]
    split_column = pick(choices.split_column, ("split",), "split_column")
    if split_column is not None:
        frame[schema.SPLIT] = texts_of(table[split_column])
    elif file_split is not None:
        frame[schema.SPLIT] = file_split
    return frame


def _unreadable(path: pathlib.Path, error: Exception) -> AlignscopeError:
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return AlignscopeError(f"cannot read {path}: {reason}")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT


def _missing_column(name: str, option: str, where: str, columns: list) -> AlignscopeError:
    return AlignscopeError(
        f"no column {name!r} in {where} (choose one with {option}=); columns: {', '.join(map(str, columns))}"
    )
