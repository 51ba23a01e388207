"""The demo corpus: parallel harmful/harmless prompts in en, zh, hi and de, with preference pairs.

The frozen file `demo_corpus.jsonl` is written by `build.corpus` (see README.md beside it).
`demo_table` gives the prompts (what `engine.load_corpus("demo", ...)` reads), `load_preferences`
the (prompt, chosen, rejected) pairs and `demo_corpus_hash` the file's sha256; `demo_model_path`
the shipped demo models trained on it (`DEMO_MODELS`).
"""

from alignscope.data.demo.loaders import (CORPUS_PATH, DEMO_LANGS, DEMO_SPLITS, Preferences, demo_corpus_hash, demo_table, load_preferences)
from alignscope.data.demo.shipped import DEMO_MODELS, demo_model_path

__all__ = [
    "CORPUS_PATH",
    "DEMO_MODELS",
    "DEMO_LANGS",
    "DEMO_SPLITS",
    "Preferences",
    "demo_corpus_hash",
    "demo_model_path",
    "demo_table",
    "load_preferences",
]
