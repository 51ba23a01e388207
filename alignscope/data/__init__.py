"""Corpora: labelled multilingual texts for alignscope's experiments.

`load_corpus(source, langs=None, per_class=None, seed=0, split=None, **column_choices)` returns a
`Corpus`. Modules: `corpus` (the Corpus and load_corpus), `sources` (what a source string leads
to), `textdetox` and `aya_redteaming` (source families), `tables` (local files and column
choices), `hub` (Hugging Face downloads), `languages` (ISO 639 codes), `cleaning` (empty and
duplicate texts), `sampling` (balanced seeded draws), `schema` (the canonical columns).
"""

from alignscope.data.corpus import Corpus, load_corpus
from alignscope.data.demo import demo_corpus_hash, load_preferences

__all__ = ["Corpus", "demo_corpus_hash", "load_corpus", "load_preferences"]
