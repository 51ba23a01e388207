"""Where a `load_corpus` source string leads: the demo corpus, a hub id, a local directory laid out
like a hub repository, or a local table file; each gives a canonical frame (`schema.py`).

A source family (TextDetox toxicity, ParaDetox, Aya red-teaming) is recognised by its columns,
or by its hub id; any other table is read by column choices (`tables.ColumnChoices`). An existing
local path wins over a hub id of the same spelling.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from alignscope.errors import AlignscopeError
from engine.data import aya_redteaming, hub, languages, schema, tables, textdetox


@dataclasses.dataclass(frozen=True)
class Family:
    """A source family whose splits are its languages.

    Attributes:
      columns: the columns that identify its files.
      split_language: a split (file) name -> the language of its rows.
      frame: (split table, language, where) -> canonical frame.
    """

    columns: tuple[str, ...]
    split_language: Callable[[str], str]
    frame: Callable[[pd.DataFrame, str, str], pd.DataFrame]


PARADETOX = Family(textdetox.PARADETOX_COLUMNS, textdetox.split_language, textdetox.paradetox_frame)
TOXICITY = Family(textdetox.TOXICITY_COLUMNS, textdetox.split_language, textdetox.toxicity_frame)
AYA = Family(aya_redteaming.COLUMNS, aya_redteaming.split_language, aya_redteaming.frame)
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
    """The canonical rows of `source` in the requested languages, and the source's name.

    Rows come language by language (the requested order, else the source's), each language in
    the source's row order.

    Raises:
      AlignscopeError: bad path, unknown language or split, missing column, bad labels.
    """
    choices = tables.ColumnChoices.from_kwargs(column_choices)
    if isinstance(source, str) and source == DEMO:
        if column_choices:
            raise AlignscopeError(
                f"column choices ({', '.join(column_choices)}) apply to local tables, not the demo corpus"
            )
        return _select(_demo_frame(split), langs, None, "the demo corpus"), "the demo corpus"

    name = os.fspath(source)
    path = pathlib.Path(name).expanduser()
    family = None
    if not path.exists():
        if not hub.looks_like_repo_id(name):
            raise AlignscopeError(
                f"no such file or directory: {name}; a source is 'demo', a hub id "
                f"({', '.join(KNOWN_REPOS)}), a directory laid out like one, or a CSV/TSV/JSONL/JSON/parquet file"
            )
        family = next((f for repo, f in KNOWN_REPOS.items() if repo.lower() == name.lower()), None)
        path = hub.snapshot(name)
    if path.is_dir():
        files = tables.split_files(path)
    elif tables.is_table(path):
        files = {tables.split_name(path, in_data_folder=False): [path]}
    else:
        raise AlignscopeError(
            f"{name} is not a table file; accepted: {', '.join(tables.TABLE_SUFFIXES)} files or a directory of them"
        )

    if column_choices:
        family = None
    elif family is None:
        columns = set(tables.read_columns(next(iter(files.values()))[0]))
        family = next((f for f in FAMILIES if set(f.columns) <= columns), None)
    if family is None:
        return _select(_table_frame(files, choices, name), langs, split, name), name
    return _family_frame(files, family, langs, split, name), name


def _family_frame(
    files: dict[str, list[pathlib.Path]],
    family: Family,
    langs: Sequence[str] | None,
    split: str | None,
    name: str,
) -> pd.DataFrame:
    """Rows of a family whose splits are languages, reading only the requested languages' files."""
    by_lang: dict[str, list[pathlib.Path]] = {}
    for split_name, paths in files.items():
        by_lang.setdefault(family.split_language(split_name), []).extend(paths)
    present = list(by_lang)
    chosen = present if langs is None else languages.resolve(langs, present, name)
    if split is not None:
        only = languages.resolve([split], present, f"{name} (its splits are its languages)")
        if only[0] not in chosen:
            raise AlignscopeError(
                f"split={split!r} is not among langs={list(langs or [])}; the splits of {name} are its languages"
            )
        chosen = only
    frames = [family.frame(tables.read_split(by_lang[lang]), lang, _where(by_lang[lang])) for lang in chosen]
    return pd.concat(frames, ignore_index=True)


def _table_frame(files: dict[str, list[pathlib.Path]], choices: tables.ColumnChoices, name: str) -> pd.DataFrame:
    """Rows of generic tables; a file's split name is its language where the table has none."""
    frames = []
    for split_name, paths in files.items():
        code = languages.to_iso1(split_name)
        frames.append(
            tables.canonical_frame(
                tables.read_split(paths),
                _where(paths),
                choices,
                file_split=split_name,
                default_lang=code if code in languages.ISO1_TO_ISO3 else None,
            )
        )
    return pd.concat(frames, ignore_index=True)


def _demo_frame(split: str | None) -> pd.DataFrame:
    """The demo corpus (`engine/data/demo`) as a canonical frame."""
    try:
        from engine.data.demo import demo_table
    except ModuleNotFoundError as e:
        if e.name != "engine.data.demo":
            raise
        raise AlignscopeError("the demo corpus is not installed (engine/data/demo is missing)") from e
    return tables.canonical_frame(demo_table(split), "the demo corpus", tables.ColumnChoices())


def _select(frame: pd.DataFrame, langs: Sequence[str] | None, split: str | None, name: str) -> pd.DataFrame:
    """The rows of `frame` in `split` and `langs`, language by language in the requested order."""
    if split is not None:
        present = list(dict.fromkeys(frame[schema.SPLIT].tolist())) if schema.SPLIT in frame else []
        if split not in present:
            raise AlignscopeError(
                f"unknown split {split!r} in {name}; splits present: {', '.join(present) or 'none'}"
            )
        frame = frame[frame[schema.SPLIT] == split]
    present = list(dict.fromkeys(frame[schema.LANG].tolist()))
    chosen = present if langs is None else languages.resolve(langs, present, name)
    order = {lang: i for i, lang in enumerate(chosen)}
    rank = frame[schema.LANG].map(order)
    frame = frame[rank.notna()]
    return frame.iloc[rank[rank.notna()].to_numpy().argsort(kind="stable")].reset_index(drop=True)


def _where(paths: list[pathlib.Path]) -> str:
    return ", ".join(map(str, paths))
