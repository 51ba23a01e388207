"""alignscope's engine: checkpoints, tokenizers, models on device meshes, corpora, extraction.

The public entry points are re-exported here; each lives in a module named for its job.
"""

from engine.model import Model, load_model
from engine.sharding import make_mesh
from engine.tokenizer import load_tokenizer

__all__ = ["Model", "load_model", "load_tokenizer", "make_mesh"]
