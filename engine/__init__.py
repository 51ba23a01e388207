"""alignscope's engine: checkpoints, tokenizers, models on device meshes, corpora, extraction.

The public entry points are re-exported here; each lives in a module named for its job.
"""

from engine.data import Corpus, load_corpus
from engine.data.demo import demo_corpus_hash, load_preferences
from engine.extraction import extract, run_extraction
from engine.model import Model, load_model
from engine.sharding import make_mesh
from engine.tokenizer import load_tokenizer

__all__ = ["Corpus", "Model", "demo_corpus_hash", "extract", "load_corpus", "load_model", "load_preferences",
           "load_tokenizer", "make_mesh", "run_extraction"]
