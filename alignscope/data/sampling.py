"""Balanced, seeded sampling: `per_class` rows of each class in each language.

The draw for one language depends only on (seed, language, class), not on which other languages
were loaded, and the rows keep the source order, so the same flags give the same rows. Two
kinds of rows are drawn as units so that pairing survives sampling:
  - pairs (`pair_id`, a toxic sentence and its paraphrase): `per_class` whole pairs per language;
  - parallel sets (`parallel_id`, a sentence and its translations): `per_class` ids per class,
    taken from those present in every loaded language, so the languages stay paired.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from alignscope.errors import AlignscopeError
from alignscope.data import schema


def per_class_rows(frame: pd.DataFrame, per_class: int, seed: int, source: str) -> np.ndarray:
    """Row positions of a balanced sample of a canonical frame, ascending.

    Args:
      frame: canonical rows (`schema.py`), empty texts already dropped.
      per_class: rows (or pairs) wanted of each class present, per language.
      seed: a non-negative int.
      source: the source's name, for messages.

    Returns:
      int64 positions into `frame`, sorted: shape [per_class * classes * languages] (twice the
      pairs for paired rows).

    Raises:
      AlignscopeError: fewer rows (pairs, parallel sets) than `per_class`; says how many there are.
    """
    if _complete(frame, schema.PAIR_ID):
        return _pairs(frame, per_class, seed, source)
    if _complete(frame, schema.PARALLEL_ID):
        return _parallel_sets(frame, per_class, seed, source)
    langs = frame[schema.LANG].to_numpy()
    labels = frame[schema.LABEL].to_numpy()
    chosen = []
    for lang in dict.fromkeys(langs.tolist()):
        for label in np.unique(labels[langs == lang]):
            rows = np.flatnonzero((langs == lang) & (labels == label))
            if len(rows) < per_class:
                raise AlignscopeError(
                    f"per_class={per_class} but {source} has only {len(rows)} rows of class {label} in {lang!r}"
                )
            rng = np.random.default_rng([seed, _key(lang), int(label)])
            chosen.append(rng.choice(rows, size=per_class, replace=False))
    return np.sort(np.concatenate(chosen)).astype(np.int64)


def _pairs(frame: pd.DataFrame, per_class: int, seed: int, source: str) -> np.ndarray:
    """Whole pairs: per language, `per_class` pair ids among pairs holding both classes."""
    classes = frame.groupby(schema.PAIR_ID, sort=False)[schema.LABEL].nunique()
    complete = set(classes.index[classes == 2])
    chosen: list[str] = []
    for lang, ids in frame.groupby(schema.LANG, sort=False)[schema.PAIR_ID]:
        ids = [i for i in dict.fromkeys(ids.tolist()) if i in complete]
        if len(ids) < per_class:
            raise AlignscopeError(
                f"per_class={per_class} but {source} has only {len(ids)} toxic/neutral pairs in {lang!r}"
            )
        rng = np.random.default_rng([seed, _key(str(lang))])
        chosen += [ids[i] for i in rng.choice(len(ids), size=per_class, replace=False)]
    return np.flatnonzero(frame[schema.PAIR_ID].isin(chosen).to_numpy()).astype(np.int64)


def _parallel_sets(frame: pd.DataFrame, per_class: int, seed: int, source: str) -> np.ndarray:
    """Parallel ids per class, among those present in every language of `frame`."""
    langs = list(dict.fromkeys(frame[schema.LANG].tolist()))
    keep = np.zeros(len(frame), dtype=bool)
    for label in np.unique(frame[schema.LABEL].to_numpy()):
        of_class = frame[frame[schema.LABEL] == label]
        ids_per_lang = of_class.groupby(schema.LANG, sort=False)[schema.PARALLEL_ID].agg(set)
        common = set.intersection(*(ids_per_lang.get(lang, set()) for lang in langs))
        ids = [i for i in dict.fromkeys(of_class[schema.PARALLEL_ID].tolist()) if i in common]
        if len(ids) < per_class:
            raise AlignscopeError(
                f"per_class={per_class} but {source} has only {len(ids)} parallel sets of class {label} "
                f"present in all of {', '.join(langs)}"
            )
        rng = np.random.default_rng([seed, int(label)])
        chosen = {ids[i] for i in rng.choice(len(ids), size=per_class, replace=False)}
        keep |= ((frame[schema.LABEL] == label) & frame[schema.PARALLEL_ID].isin(chosen)).to_numpy()
    return np.flatnonzero(keep).astype(np.int64)


def _complete(frame: pd.DataFrame, column: str) -> bool:
    return column in frame and bool(frame[column].notna().all())


def _key(lang: str) -> int:
    """A stable (not salted) integer for a language, for seeding."""
    return zlib.crc32(lang.encode("utf-8"))
