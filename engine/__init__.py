"""alignscope's engine: checkpoints, tokenizers, models on device meshes, corpora, extraction.

The public entry points are re-exported here; each lives in a module named for its job.
"""

from engine.data import Corpus, load_corpus
from engine.data.demo import demo_corpus_hash, load_preferences
from engine.extraction import extract, run_extraction
from engine.extraction_spec import ExtractionSpec
from engine.generation import generate
from engine.intervention import Intervention
from engine.logprobs import response_logprobs
from engine.model import Model, init_model, load_model
from engine.models.families import supported_architectures
from engine.refusal import refusal_score
from engine.save import save_model
from engine.sharding import make_mesh
from engine.tokenizer import load_tokenizer
from engine.tuning import TuneConfig, TuneResult, tune

__all__ = ["Corpus", "ExtractionSpec", "Intervention", "Model", "demo_corpus_hash", "extract", "generate",
           "init_model", "load_corpus", "load_model", "load_preferences", "load_tokenizer", "make_mesh",
           "refusal_score", "response_logprobs", "run_extraction", "save_model", "supported_architectures",
           "TuneConfig", "TuneResult", "tune"]
