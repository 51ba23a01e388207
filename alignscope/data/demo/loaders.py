"""Loaders for the frozen demo corpus: the prompt table, the preference pairs and the content hash."""

import dataclasses
import functools
import hashlib
import json
import pathlib
from collections.abc import Sequence

import pandas as pd

from alignscope.errors import AlignscopeError
from alignscope.data import languages

# The demo corpus languages, in the order of every multilingual string of `build/`.
DEMO_LANGS: tuple[str, ...] = ("en", "zh", "hi", "de")

CORPUS_PATH = pathlib.Path(__file__).with_name("demo_corpus.jsonl")
DEMO_SPLITS: tuple[str, ...] = ("train", "test")
_TABLE_COLUMNS = ("text", "label", "lang", "parallel_id", "harm_category", "split", "topic", "template", "slot")
_SOURCE = "the demo corpus"


@dataclasses.dataclass(frozen=True)
class Preferences:
    """Preference pairs, one per (parallel id, language), as aligned tuples.

    Attributes:
      prompt: the prompts.
      chosen: the preferred answers (a refusal for a harmful prompt, a helpful answer otherwise).
      rejected: the dispreferred answers (placeholder compliance, or an unhelpful answer).
      lang: ISO 639-1 language codes.
      parallel_id: the ids shared by a prompt and its translations.
      label: 1 for a harmful prompt, 0 for a harmless one.
      split: "train" or "test".
    """

    prompt: tuple[str, ...]
    chosen: tuple[str, ...]
    rejected: tuple[str, ...]
    lang: tuple[str, ...]
    parallel_id: tuple[str, ...]
    label: tuple[int, ...]
    split: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.prompt)

    def to_frame(self) -> pd.DataFrame:
        """The pairs as a DataFrame, one column per attribute."""
        return pd.DataFrame({f.name: list(getattr(self, f.name)) for f in dataclasses.fields(self)})


@functools.cache
def _corpus() -> pd.DataFrame:
    """Every row of the frozen file, read once."""
    with CORPUS_PATH.open(encoding="utf-8") as f:
        frame = pd.DataFrame.from_records([json.loads(line) for line in f])
    return frame.astype({"label": "int64"})


def _rows_in(split: str | None) -> pd.DataFrame:
    if split is not None and split not in DEMO_SPLITS:
        raise AlignscopeError(f"unknown demo corpus split {split!r}; accepted: {', '.join(DEMO_SPLITS)} or None (both)")
    frame = _corpus()
    return frame if split is None else frame[frame["split"] == split]


def demo_table(split: str | None = None) -> pd.DataFrame:
    """The demo corpus's prompts as a table, one row per (parallel id, language).

    Args:
      split: "train", "test", or None for both.

    Returns:
      columns `text` (the prompt), `label` (1 harmful, 0 harmless), `lang` (ISO 639-1),
      `parallel_id`, `harm_category` ("" when harmless, so `load_corpus` gives it no category),
      `split`, `topic`, `template` and `slot` (the request, question or problem kind filled in;
      a slot lies wholly in one split).

    Raises:
      AlignscopeError: an unknown split.
    """
    frame = _rows_in(split).rename(columns={"prompt": "text"})
    return frame.loc[:, list(_TABLE_COLUMNS)].reset_index(drop=True)


def load_preferences(
    source: str = "demo", split: str | None = None, langs: str | Sequence[str] | None = None
) -> Preferences:
    """The demo corpus's preference pairs.

    Args:
      source: "demo" (the only source of preference pairs).
      split: "train", "test", or None for both.
      langs: language codes (or one code) to keep, in this order: ISO 639-1 or 639-3 in any case
        ("hi", "hin", "HI"), as `load_corpus` accepts them; None keeps all four.

    Returns:
      the pairs, language by language in the order asked for, file order within a language.

    Raises:
      AlignscopeError: another source, an unknown split, a language the corpus lacks, or no
        language at all (`langs=[]`).
    """
    if source != "demo":
        raise AlignscopeError(f"unknown preference source {source!r}; accepted: 'demo'")
    frame = _rows_in(split)
    codes = list(DEMO_LANGS) if langs is None else languages.resolve(langs, DEMO_LANGS, _SOURCE)
    frame = pd.concat([frame[frame["lang"] == code] for code in codes])
    return Preferences(
        prompt=tuple(frame["prompt"]),
        chosen=tuple(frame["chosen"]),
        rejected=tuple(frame["rejected"]),
        lang=tuple(frame["lang"]),
        parallel_id=tuple(frame["parallel_id"]),
        label=tuple(int(v) for v in frame["label"]),
        split=tuple(frame["split"]),
    )


def demo_corpus_hash() -> str:
    """The sha256 of the frozen corpus file's bytes, as hex: what the demo models record."""
    return hashlib.sha256(CORPUS_PATH.read_bytes()).hexdigest()
