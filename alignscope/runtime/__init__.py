"""The runtime: tokenizers, encoding and batching, pooled extraction into the activation store,
generation and response log-probabilities.

Modules: `tokenizer`, `encoding` (texts -> ids, chat templates), `sequences` (prompt + response
pairs), `batching` (length buckets, packed rows), `pooling`, `extraction` and `extraction_spec`,
`store` (the resumable activation store), `fingerprint` (store keys), `generation`, `logprobs`,
`distributed` (multi-host start-up).
"""

from alignscope.runtime.extraction import extract, run_extraction, run_extractions
from alignscope.runtime.extraction_spec import ExtractionSpec
from alignscope.runtime.generation import generate
from alignscope.runtime.logprobs import response_logprobs
from alignscope.runtime.store import ActivationStore
from alignscope.runtime.tokenizer import load_tokenizer

__all__ = ["ActivationStore", "ExtractionSpec", "extract", "generate", "load_tokenizer", "response_logprobs",
           "run_extraction", "run_extractions"]
