"""alignscope's public engine API: load a model and tokenizer, read a corpus, extract pooled
hidden states, generate, intervene, tune.

A facade only: each name lives in the package of its role (`alignscope.checkpoints`, `.models`,
`.runtime`, `.interp`, `.train`, `.data`, `alignscope.sharding`) and is re-exported here, so
user scripts keep `from alignscope import engine` whatever the insides become.
"""

from alignscope.checkpoints import init_model, load_model, save_model
from alignscope.data import Corpus, demo_corpus_hash, load_corpus, load_preferences
from alignscope.interp import refusal_score
from alignscope.models import Intervention, Model, supported_architectures
from alignscope.runtime import ExtractionSpec, extract, generate, load_tokenizer, response_logprobs, run_extraction
from alignscope.sharding import make_mesh
from alignscope.train import TuneConfig, TuneResult, save_adapter, tune

__all__ = ["Corpus", "ExtractionSpec", "Intervention", "Model", "demo_corpus_hash", "extract", "generate",
           "init_model", "load_corpus", "load_model", "load_preferences", "load_tokenizer", "make_mesh",
           "refusal_score", "response_logprobs", "run_extraction", "save_adapter", "save_model", "supported_architectures",
           "TuneConfig", "TuneResult", "tune"]
