"""Local tables: reading CSV/TSV/JSONL/JSON/parquet files, finding the per-split files of a
directory laid out like a Hugging Face dataset repository, and turning any table into a
canonical corpus frame (see `data/schema.py`) by column choices.

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
import pyarrow as pa
import pyarrow.parquet as pq

from alignscope.errors import AlignscopeError
from alignscope.data import schema

TABLE_SUFFIXES = (".parquet", ".csv", ".tsv", ".jsonl", ".json")
# `.json` is left out of directory scans: hub repositories keep metadata in JSON files.
_SPLIT_SUFFIXES = (".parquet", ".csv", ".tsv", ".jsonl")
_SHARD = re.compile(r"-\d+-of-\d+$")


def is_table(path: pathlib.Path) -> bool:
    """Whether `path`'s name ends in a table suffix alignscope reads."""
    return path.suffix.lower() in TABLE_SUFFIXES


def read_table(path: pathlib.Path) -> pd.DataFrame:
    """All rows of one CSV, TSV, JSONL, JSON (a list of records) or parquet file.

    CSV/TSV cells are strings kept as written (`007` stays `007`, a text "NA" stays "NA"); only an
    empty cell is missing. JSON files may start with a UTF-8 byte order mark.
    """
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            table = pq.read_table(path)
            table.validate(full=True)  # invalid UTF-8 in a corrupt file is found here, not later
            return table.to_pandas()
        if suffix in (".csv", ".tsv"):
            sep = "\t" if suffix == ".tsv" else ","
            return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, na_values=[""])
        if suffix == ".jsonl":
            return pd.DataFrame(_jsonl_records(path))
        if suffix == ".json":
            with open(path, encoding="utf-8-sig") as f:
                return pd.DataFrame(json.load(f))
    except (OSError, ValueError, pa.ArrowException) as e:
        raise _unreadable(path, e) from e
    raise AlignscopeError(f"cannot read {path}: accepted table files end in {', '.join(TABLE_SUFFIXES)}")


def _jsonl_records(path: pathlib.Path, limit: int | None = None) -> list[dict]:
    """The JSON objects of a JSONL file, one per non-blank line (the first `limit` of them).

    Raises:
      AlignscopeError: a line that is not a JSON object (the message gives its line number).
    """
    records = []
    with open(path, encoding="utf-8-sig") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as e:
                raise AlignscopeError(f"cannot read {path}: line {number} is not valid JSON ({e})") from e
            if not isinstance(record, dict):
                raise AlignscopeError(f"cannot read {path}: line {number} is a JSON {type(record).__name__}, "
                                      f"not an object with named fields")
            records.append(record)
            if len(records) == limit:
                break
    return records


def read_columns(path: pathlib.Path) -> list[str]:
    """The column names of a table file, reading as little of it as the format allows."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return list(pq.read_schema(path).names)
        if suffix in (".csv", ".tsv"):
            return list(pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", nrows=0).columns)
        if suffix == ".jsonl":
            return [name for record in _jsonl_records(path, limit=1) for name in record]
    except (OSError, ValueError, pa.ArrowException) as e:
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


def require_column(table: pd.DataFrame, name: str, where: str, option: str | None = None) -> str:
    """`name` if `table` has that column.

    Raises:
      AlignscopeError: no such column; the message lists the table's columns and, where given,
        the `load_corpus` option that chooses another.
    """
    if name not in table.columns:
        choose = f" (choose one with {option}=)" if option else ""
        raise AlignscopeError(f"no column {name!r} in {where}{choose}; columns: {', '.join(map(str, table.columns))}")
    return name


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
        found = sorted({repr(v)[:40] for v in values[bad].tolist()})[:5]
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
    """Which columns of a table hold what; `load_corpus(**column_choices)` fills it over the
    defaults of the source's family (TextDetox's label column is `toxic`, Aya's text `prompt`).

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

    def override(self, kwargs: Mapping[str, Any]) -> ColumnChoices:
        """These choices with `load_corpus` keyword arguments put over them; a None argument keeps the default.

        Raises:
          AlignscopeError: an unknown option, or a value that is not a str.
        """
        check_choices(kwargs)
        return dataclasses.replace(self, **{k: v for k, v in kwargs.items() if v is not None})


def check_choices(kwargs: Mapping[str, Any]) -> None:
    """Raises AlignscopeError for an unknown column-choice option or a value that is not a str (or None)."""
    accepted = [f.name for f in dataclasses.fields(ColumnChoices)]
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise AlignscopeError(f"unknown option(s) {', '.join(unknown)}; accepted: {', '.join(accepted)}")
    for option, value in kwargs.items():
        if value is not None and not isinstance(value, str):
            raise AlignscopeError(f"{option} must be a str (a column name or, for language, a code), not {value!r}")


def canonical_frame(
    table: pd.DataFrame,
    where: str,
    choices: ColumnChoices,
    file_split: str | None = None,
    file_lang: str | None = None,
) -> pd.DataFrame:
    """A canonical corpus frame from any table.

    A row's language is, in this order: the `language` choice, the language column, `file_lang`.
    Codes are kept as the table writes them (stripped); `languages.source_codes` maps them once
    the whole source is read.

    Args:
      table: the rows, any columns.
      where: how to name the table in messages (a path).
      choices: which columns hold what.
      file_split: the split of the file the rows come from, for tables without a split column.
      file_lang: the language the file's name gives, None if the name is no language.

    Returns:
      one row per table row, columns `text`, `label`, `lang`, the optional ones the table has,
      and `split` (`schema.SPLIT`, for selection while loading) where known.

    Raises:
      AlignscopeError: a chosen or required column is missing (the message lists the columns),
        bad labels, no language for the rows, or a row whose language cell is empty.
    """

    def pick(chosen: str | None, defaults: tuple[str, ...], option: str) -> str | None:
        if chosen is not None:
            return require_column(table, chosen, where, option)
        return next((c for c in defaults if c in table.columns), None)

    text_column = require_column(table, choices.text_column, where, "text_column")
    label_column = require_column(table, choices.label_column, where, "label_column")
    frame = pd.DataFrame(
        {schema.TEXT: texts_of(table[text_column]), schema.LABEL: parse_labels(table[label_column], where)}
    )
    if choices.language is not None and choices.lang_column is not None:
        raise AlignscopeError("give lang_column or language, not both")
    lang_column = None
    if choices.language is None:
        lang_column = pick(choices.lang_column, ("lang", "language"), "lang_column")
    if lang_column is not None:
        frame[schema.LANG] = _row_languages(table[lang_column], f"{where} (column {lang_column!r})")
    elif choices.language is not None or file_lang is not None:
        frame[schema.LANG] = (choices.language if choices.language is not None else file_lang).strip()
    else:
        raise AlignscopeError(
            f"no language for {where}: no language column ('lang' or 'language') and its name is no language code; "
            f"columns: {', '.join(map(str, table.columns))}; pass lang_column=NAME or language=CODE"
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


def _row_languages(values: pd.Series, where: str) -> list[str]:
    """The language codes of a language column, stripped.

    Raises:
      AlignscopeError: a cell is empty (a row without a language cannot be placed).
    """
    codes = [v.strip() for v in texts_of(values)]
    empty = codes.count("")
    if empty:
        raise AlignscopeError(f"{empty} rows of {where} have no language; fill them in or drop those rows")
    return codes


def _unreadable(path: pathlib.Path, error: Exception) -> AlignscopeError:
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return AlignscopeError(f"cannot read {path}: {reason}")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT
