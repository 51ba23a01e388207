"""Small fixture corpora written into a test's tmp_path, in each layout the loaders read."""

from __future__ import annotations

import json
import pathlib
from collections.abc import Callable

import pandas as pd
import pytest


def write_table(frame: pd.DataFrame, path: pathlib.Path) -> pathlib.Path:
    """Writes `frame` as parquet, CSV, TSV, JSONL or JSON (by `path`'s suffix); returns `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix
    if suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif suffix in (".csv", ".tsv"):
        frame.to_csv(path, index=False, sep="\t" if suffix == ".tsv" else ",")
    elif suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    elif suffix == ".json":
        path.write_text(json.dumps(frame.to_dict("records"), ensure_ascii=False), encoding="utf-8")
    else:
        raise ValueError(suffix)
    return path


def toxicity_split(lang: str, n_per_class: int) -> pd.DataFrame:
    """n_per_class toxic and n_per_class non-toxic rows, interleaved, distinct texts."""
    rows = [
        {"text": f"{lang} {'toxic' if label else 'kind'} sentence {i}", "toxic": label}
        for i in range(n_per_class)
        for label in (1, 0)
    ]
    return pd.DataFrame(rows)


def paradetox_split(lang: str, n_pairs: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "toxic_sentence": [f"{lang} rude sentence {i}" for i in range(n_pairs)],
            "neutral_sentence": [f"{lang} polite sentence {i}" for i in range(n_pairs)],
        }
    )


def aya_split(code3: str, n: int) -> pd.DataFrame:
    categories = ['["Violence, Threats & Incitement", "Hate Speech"]', '["Profanity"]', ["Self-Harm"]]
    return pd.DataFrame(
        {
            "prompt": [f"{code3} harmful prompt {i}" for i in range(n)],
            "language": {"eng": "English", "hin": "Hindi", "arb": "Arabic"}.get(code3, code3),
            "harm_category": [categories[i % 3] for i in range(n)],
            "global_or_local": ["global" if i % 2 else "local" for i in range(n)],
            "literal_translation": None,
            "semantic_translation": None,
            "explanation": "",
        }
    )


@pytest.fixture
def toxicity_dir(tmp_path: pathlib.Path) -> Callable[..., pathlib.Path]:
    """Builds a toxicity repository copy: layout "flat" (<lang>.<fmt>) or "data" (data/<lang>-*.<fmt>)."""

    def build(langs=("en", "de", "hin"), n_per_class=6, fmt="parquet", layout="flat") -> pathlib.Path:
        root = tmp_path / f"toxicity_{fmt}_{layout}"
        for lang in langs:
            name = f"{lang}.{fmt}" if layout == "flat" else f"data/{lang}-00000-of-00001.{fmt}"
            write_table(toxicity_split(lang, n_per_class), root / name)
        return root

    return build


@pytest.fixture
def paradetox_dir(tmp_path: pathlib.Path) -> Callable[..., pathlib.Path]:
    def build(langs=("en", "zh"), n_pairs=5, fmt="parquet") -> pathlib.Path:
        root = tmp_path / "paradetox"
        for lang in langs:
            write_table(paradetox_split(lang, n_pairs), root / "data" / f"{lang}-00000-of-00001.{fmt}")
        return root

    return build


@pytest.fixture
def aya_dir(tmp_path: pathlib.Path) -> Callable[..., pathlib.Path]:
    def build(codes=("eng", "hin", "arb"), n=6) -> pathlib.Path:
        root = tmp_path / "aya_redteaming"
        for code in codes:
            write_table(aya_split(code, n), root / f"aya_{code}.jsonl")
        return root

    return build


@pytest.fixture
def write() -> Callable[[pd.DataFrame, pathlib.Path], pathlib.Path]:
    """`write_table` for tests that build their own tables."""
    return write_table
