"""Where a `load_corpus` source string leads: the demo corpus, a hub id, a local directory laid out
like a hub repository, or a local table file; each gives a canonical frame (`schema.py`).

A source family (TextDetox toxicity, ParaDetox, Aya red-teaming) is recognised by its hub id or
by its files' columns; a family gives column defaults that the user's column choices override,
and says which file names are languages. Every table goes through `tables.canonical_frame`: a
row's language comes from a language column where the table has one, else from its file's name.
All of a source's language codes are then mapped to ISO 639-1 at once, never merging two codes
the source keeps apart (`languages.source_codes`). An existing local path wins over a hub id of
the same spelling.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from alignscope.errors import AlignscopeError
from alignscope.data import aya_redteaming, hub, languages, schema, tables, textdetox


def _file_language(split: str) -> str | None:
    """A generic file's split name where it is a language code (`fra.csv`), else None (`train.csv`)."""
    return split if languages.is_language(split) else None


def _as_is(table: pd.DataFrame, split: str, where: str) -> pd.DataFrame:
    """A table that column choices read directly."""
    del split, where
    return table


@dataclasses.dataclass(frozen=True)
class Family:
    """How the tables of one kind of source become canonical rows.

    Attributes:
      columns: the columns that identify its files (empty: any table).
      choices: its column defaults; the user's column choices override them.
      split_language: a split (file) name -> the language it names, None if it names none.
      prepare: (split table, split name, where) -> a table that `choices` read.
      reserved: its split names that are no language codes, with what they hold (never mapped,
        matched only exactly).
      splits_are_languages: whether `split=` names a language (its files are its languages).
    """

    columns: tuple[str, ...]
    choices: tables.ColumnChoices
    split_language: Callable[[str], str | None]
    prepare: Callable[[pd.DataFrame, str, str], pd.DataFrame]
    reserved: Mapping[str, str] = dataclasses.field(default_factory=dict)
    splits_are_languages: bool = True


PARADETOX = Family(
    textdetox.PARADETOX_COLUMNS, tables.ColumnChoices(), textdetox.split_language, textdetox.paradetox_rows,
    textdetox.RESERVED,
)
TOXICITY = Family(
    textdetox.TOXICITY_COLUMNS, textdetox.TOXICITY_CHOICES, textdetox.split_language, _as_is, textdetox.RESERVED
)
AYA = Family(aya_redteaming.COLUMNS, aya_redteaming.CHOICES, aya_redteaming.split_language, aya_redteaming.harmful_rows)
GENERIC = Family((), tables.ColumnChoices(), _file_language, _as_is, splits_are_languages=False)
FAMILIES = (PARADETOX, TOXICITY, AYA)
KNOWN_REPOS: dict[str, Family] = {
    textdetox.TOXICITY_REPO: TOXICITY,
    textdetox.PARADETOX_REPO: PARADETOX,
    **{repo: AYA for repo in aya_redteaming.REPOS},
}
DEMO = "demo"


def source_frame(
    source: str | os.PathLike,
    langs: Sequence[str] | None,
    split: str | None,
    column_choices: Mapping[str, Any],
) -> tuple[pd.DataFrame, str]:
    """The canonical rows of `source` in the requested languages, and the source's name (a hub
    source's name is pinned to the commit read: `owner/name@<sha>`).

    Rows come language by language (the requested order, else the source's), each language in
    the source's row order.

    Raises:
      AlignscopeError: bad path, unknown language or split, missing column, bad labels.
    """
    tables.check_choices(column_choices)
    if isinstance(source, str) and source == DEMO:
        if column_choices:
            raise AlignscopeError(
                f"column choices ({', '.join(column_choices)}) apply to local tables, not the demo corpus"
            )
        frame = _map_languages(_demo_frame(split), "the demo corpus", GENERIC)
        return _select(frame, langs, None, "the demo corpus", GENERIC), "the demo corpus"

    name = os.fspath(source)
    path = pathlib.Path(name).expanduser()
    family = None
    if not path.exists():
        if not hub.looks_like_repo_id(name):
            raise AlignscopeError(
                f"no such file or directory: {name}; a source is 'demo', a hub id "
                f"({', '.join(KNOWN_REPOS)}, optionally @revision), a directory laid out like one, "
                f"or a CSV/TSV/JSONL/JSON/parquet file"
            )
        repo_id, revision = hub.split_revision(name)
        family = next((f for repo, f in KNOWN_REPOS.items() if repo.lower() == repo_id.lower()), None)
        path = hub.snapshot(repo_id, revision)
        name = hub.pinned_name(repo_id, path)
    if path.is_dir():
        files = tables.split_files(path)
    elif tables.is_table(path):
        files = {tables.split_name(path, in_data_folder=False): [path]}
    else:
        raise AlignscopeError(
            f"{name} is not a table file; accepted: {', '.join(tables.TABLE_SUFFIXES)} files or a directory of them"
        )
    if family is None:
        columns = set(tables.read_columns(next(iter(files.values()))[0]))
        family = next((f for f in FAMILIES if set(f.columns) <= columns), GENERIC)
    choices = family.choices.override(column_choices)
    frame = pd.concat([_split_frame(family, choices, split_name, paths) for split_name, paths in files.items()])
    return _select(_map_languages(frame.reset_index(drop=True), name, family), langs, split, name, family), name


def _split_frame(
    family: Family, choices: tables.ColumnChoices, split_name: str, paths: list[pathlib.Path]
) -> pd.DataFrame:
    """The canonical rows of one split's files, languages as the source writes them."""
    where = ", ".join(map(str, paths))
    table = family.prepare(tables.read_split(paths), split_name, where)
    return tables.canonical_frame(
        table, where, choices, file_split=split_name, file_lang=family.split_language(split_name)
    )


def _map_languages(frame: pd.DataFrame, name: str, family: Family) -> pd.DataFrame:
    """`frame` with its language codes mapped to ISO 639-1 (`languages.source_codes`)."""
    mapping = languages.source_codes(frame[schema.LANG].unique().tolist(), name, keep=family.reserved)
    return frame.assign(**{schema.LANG: frame[schema.LANG].map(mapping)})


def _demo_frame(split: str | None) -> pd.DataFrame:
    """The demo corpus (`alignscope/data/demo`) as a canonical frame."""
    try:
        from alignscope.data.demo import demo_table
    except ModuleNotFoundError as e:
        if e.name != "alignscope.data.demo":
            raise
        raise AlignscopeError("the demo corpus is not installed (alignscope/data/demo is missing)") from e
    return tables.canonical_frame(demo_table(split), "the demo corpus", tables.ColumnChoices())


def _select(
    frame: pd.DataFrame, langs: Sequence[str] | None, split: str | None, name: str, family: Family
) -> pd.DataFrame:
    """The rows of `frame` in `split` and `langs`, language by language in the requested order.

    For a family whose splits are its languages, `split` names a language, which must be among
    `langs` where both are given.
    """
    present = list(dict.fromkeys(frame[schema.LANG].tolist()))
    if split is not None and family.splits_are_languages:
        only = languages.resolve([split], present, f"{name} (its splits are its languages)", family.reserved)
        if langs is not None and only[0] not in languages.resolve(langs, present, name, family.reserved):
            raise AlignscopeError(
                f"split={split!r} is not among langs={list(langs)}; the splits of {name} are its languages"
            )
        langs, split = only, None
    if split is not None:
        splits = list(dict.fromkeys(frame[schema.SPLIT].tolist())) if schema.SPLIT in frame else []
        if split not in splits:
            raise AlignscopeError(f"unknown split {split!r} in {name}; splits present: {', '.join(splits) or 'none'}")
        frame = frame[frame[schema.SPLIT] == split]
        present = list(dict.fromkeys(frame[schema.LANG].tolist()))
    chosen = present if langs is None else languages.resolve(langs, present, name, family.reserved)
    order = {lang: i for i, lang in enumerate(chosen)}
    rank = frame[schema.LANG].map(order)
    frame = frame[rank.notna()]
    return frame.iloc[rank[rank.notna()].to_numpy().argsort(kind="stable")].reset_index(drop=True)
