"""Texts -> per-layer pooled hidden states: bucketed, jitted, sharded, multi-host, resumable.

`extract` tokenizes (each process only its own texts), plans one global schedule of
length-bucketed batches, runs the model's pooled forward batch by batch (the next batch is
dispatched before the previous result is read), and writes results to an in-memory array or,
with a store, to `runtime/store.py` chunks that a later run resumes from.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import sys
import time
from typing import Any, Sequence

import jax
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh

from alignscope.errors import AlignscopeError
from alignscope.versions import library_versions
from alignscope.runtime import batching
from alignscope.runtime import fingerprint
from alignscope.runtime.encoding import encode_texts, require_fast_tokenizer
from alignscope.runtime.extraction_spec import ExtractionSpec
from alignscope.models.model import Model
from alignscope.runtime.store import ActivationStore

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class ExtractionStats:
    """What a run did.

    Attributes:
      texts: inputs in the corpus.
      computed_texts: inputs run through the model in this call (the rest came from the store).
      real_tokens: tokens of the computed inputs (template and special tokens included).
      padded_tokens: positions the model ran for them, padding and filler rows included.
      batches: batches run.
      compiled_shapes: distinct (rows, length) shapes run: the compilations this call needed.
      truncated: inputs cut to max_length.
      seconds: wall time of the model loop.
      tokens_per_second: real_tokens / seconds.
    """

    texts: int
    computed_texts: int
    real_tokens: int
    padded_tokens: int
    batches: int
    compiled_shapes: int
    truncated: int
    seconds: float
    tokens_per_second: float

    @property
    def padding_efficiency(self) -> float:
        """real_tokens / padded_tokens (1.0 when nothing was computed)."""
        return self.real_tokens / self.padded_tokens if self.padded_tokens else 1.0

    def summary(self) -> str:
        """Returns a one-line report for logs."""
        return (f"extracted {self.computed_texts}/{self.texts} texts in {self.batches} batches, "
                f"{self.compiled_shapes} shapes; padding efficiency {self.padding_efficiency:.1%}; "
                f"{self.tokens_per_second:,.0f} tokens/s; {self.truncated} truncated")


@dataclasses.dataclass(frozen=True)
class Extraction:
    """The result of `run_extraction`.

    Attributes:
      activations: `[num_texts, layers, d_model]` float32 in input order: an in-memory array, or
        a view of the store's layer-major memory map (so `activations[:, l]` reads one layer).
      stats: what this call did.
      store_dir: the store's directory, or None without a store.
    """

    activations: np.ndarray
    stats: ExtractionStats
    store_dir: os.PathLike | None


def extract(model: Model, tokenizer, texts: Sequence[str], spec: ExtractionSpec | None = None, *,
            mesh: Mesh | None = None, store: str | os.PathLike | None = None, **options: Any) -> np.ndarray:
    """Returns `[len(texts), len(layers) or L + 1, d_model]` float32 pooled hidden states.

    Args:
      model: a `Model` (loaded, made or edited in memory).
      tokenizer: the model's (fast) tokenizer.
      texts: the inputs, in order.
      spec: what to extract and how to batch (`ExtractionSpec`); default all defaults.
      mesh: a `(data, model)` mesh to run on (the weights are resharded onto it); default the
        model's own mesh, or one device.
      store: a cache directory for a resumable on-disk store (required with several processes);
        the result is then a memory-mapped view of it. None keeps everything in memory.
      **options: `ExtractionSpec` fields replacing the spec's, e.g. `pooling="last", layers=[-1]`.
    """
    return run_extraction(model, tokenizer, texts, spec, mesh=mesh, store=store, **options).activations


def _allgather(value: np.ndarray) -> np.ndarray:
    """Returns `[processes, ...]`: every process's `value`, on every process."""
    if jax.process_count() == 1:
        return np.asarray(value)[None]
    return np.asarray(multihost_utils.process_allgather(value))


def _raise_on_every_process(error: AlignscopeError | None) -> None:
    """Raises on every process when any process hit a user error, so none waits in a collective."""
    failed = _allgather(np.array(error is not None)).reshape(-1)
    if error is not None:
        raise error
    if failed.any():
        raise AlignscopeError(f"process(es) {np.flatnonzero(failed).tolist()} stopped on bad input; see their error")


def _gather_lengths(local_lengths: np.ndarray, num_texts: int) -> np.ndarray:
    """Returns every text's length on every process (text i lives on process i % count)."""
    width = -(-num_texts // jax.process_count())
    padded = np.full(width, -1, dtype=np.int64)
    padded[:local_lengths.size] = local_lengths
    return _allgather(padded).T.reshape(-1)[:num_texts]  # [processes, width] -> text order


def _from_process_0(value: np.ndarray) -> np.ndarray:
    """Returns process 0's `value` on every process (reads of shared files can differ between hosts)."""
    if jax.process_count() == 1:
        return value
    return np.asarray(multihost_utils.broadcast_one_to_all(value))


def _sync(name: str) -> None:
    if jax.process_count() > 1:
        multihost_utils.sync_global_devices(name)


def run_extraction(model: Model, tokenizer, texts: Sequence[str], spec: ExtractionSpec | None = None, *,
                   mesh: Mesh | None = None, store: str | os.PathLike | None = None,
                   **options: Any) -> Extraction:
    """`extract`, returning the activations with the run's statistics and store directory.

    With a store whose entry for these inputs is complete, nothing is computed and the model's
    weights are never read: the key is the model's identity (a file fingerprint for a
    checkpoint), its config and dtypes, the tokenizer, the texts and the spec's result fields.
    """
    spec = ExtractionSpec.of(spec, **options)
    spec = spec.for_layers(model.layer_indices(spec.layers))
    require_fast_tokenizer(tokenizer)
    texts = list(texts)
    if not texts or not all(isinstance(text, str) for text in texts):
        raise AlignscopeError("texts must be a non-empty sequence of strings")
    processes, process = jax.process_count(), jax.process_index()
    if processes > 1 and (store is None or (mesh or model.mesh) is None):
        raise AlignscopeError("a multi-process extraction needs a mesh (engine.make_mesh) and a store "
                              "directory that every process can read")
    if spec.max_length > model.config.max_position_embeddings:
        logger.warning("max_length=%d exceeds the model's max_position_embeddings=%d", spec.max_length,
                       model.config.max_position_embeddings)
    if store is None:
        return _run(model, mesh, tokenizer, texts, spec, None)
    key = {
        "model": model.identity, "config": dataclasses.asdict(model.config),
        "param_dtype": str(model.param_dtype), "compute_dtype": str(model.compute_dtype),
        "tokenizer": fingerprint.tokenizer_fingerprint(tokenizer), "texts": fingerprint.texts_fingerprint(texts),
        "num_texts": len(texts), **spec.key(),
    }
    activation_store = ActivationStore.for_key(store, key, process)
    with activation_store.exclusive() if process == 0 else contextlib.nullcontext():
        if _from_process_0(np.array([activation_store.is_complete()]))[0]:
            logger.info("reading activations from %s", activation_store.directory)
            stats = ExtractionStats(**{**activation_store.completion_record()["stats"], "computed_texts": 0})
            return Extraction(np.moveaxis(activation_store.open(), 0, 1), stats, activation_store.directory)
        return _run(model, mesh, tokenizer, texts, spec, activation_store)


def _run(model: Model, mesh: Mesh | None, tokenizer, texts: list[str], spec: ExtractionSpec,
         activation_store: ActivationStore | None) -> Extraction:
    """Tokenizes this process's texts, plans the global schedule, runs it, stores the results."""
    if mesh is not None and mesh is not model.mesh:
        model = model.to_mesh(mesh)
    processes, process = jax.process_count(), jax.process_index()
    mine = np.arange(process, len(texts), processes)
    encoded, error = {}, None
    try:
        encoded = dict(zip(mine.tolist(), encode_texts(tokenizer, [texts[i] for i in mine], spec.max_length,
                                                       spec.chat_template, indices=mine)))
    except AlignscopeError as caught:
        error = caught
    _raise_on_every_process(error)
    lengths = _gather_lengths(np.array([len(encoded[i].ids) for i in mine], dtype=np.int64), len(texts))
    truncated = int(_allgather(np.array(sum(item.truncated for item in encoded.values()))).sum())
    if truncated:
        logger.warning("%d of %d texts were longer than max_length=%d tokens and were truncated",
                       truncated, len(texts), spec.max_length)
    done = np.zeros(len(texts), dtype=bool)
    if activation_store is not None and process == 0:
        for chunk in activation_store.chunks():
            done[chunk.rows] = True
    done = _from_process_0(done)  # Every process follows the same schedule, or collectives hang.
    multiple = model.mesh.shape["data"] if model.mesh is not None else 1
    pack = spec.packing and not model.config.length_dependent_rope  # Such rotary reads the whole row's length.
    todo = batching.plan_batches(lengths, spec.batch_size, spec.max_length, processes, multiple, spec.buckets,
                                 skip=done, pack=pack)
    num_states = len(spec.layers) if spec.layers is not None else model.config.num_layers + 1
    in_memory = None if activation_store is not None else np.zeros(
        (len(texts), num_states, model.config.hidden_size), dtype=np.float32)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    real_tokens = int(sum(lengths[batch.all_items()].sum() for batch in todo))
    progress = _progress(len(texts), int(done.sum()), enabled=process == 0)
    start = time.perf_counter()
    pending, delivered_tokens = None, 0
    for batch in todo + [None]:
        if batch is not None:
            ids, mask, weights = batching.batch_inputs(encoded, batch.slots[process], batch.length, spec.pooling,
                                                       pad_id)
            output = model.pooled_hidden_states(ids, mask, weights, spec.layers, spec.intervention)
        if pending is not None:
            _deliver(model, *pending, activation_store, in_memory)
            progress.update(len(pending[0].all_items()))
            delivered_tokens += int(lengths[pending[0].all_items()].sum())
            progress.set_postfix_str(f"{delivered_tokens / (time.perf_counter() - start):,.0f} tokens/s", refresh=False)
        pending = (batch, output) if batch is not None else None
    progress.close()
    seconds = time.perf_counter() - start
    stats = ExtractionStats(
        texts=len(texts), computed_texts=int(sum(len(batch.all_items()) for batch in todo)), real_tokens=real_tokens,
        padded_tokens=int(sum(batch.rows * batch.length for batch in todo)), batches=len(todo),
        compiled_shapes=batching.compiled_shapes(todo), truncated=truncated, seconds=seconds,
        tokens_per_second=real_tokens / seconds if seconds > 0 else 0.0)
    logger.info(stats.summary())
    if process == 0 and sys.stderr.isatty():
        print(stats.summary(), file=sys.stderr)
    if activation_store is None:
        return Extraction(in_memory, stats, None)
    _sync("alignscope-chunks-written")
    if process == 0:
        activation_store.merge(len(texts), {"stats": dataclasses.asdict(stats), "versions": library_versions(),
                                            "spec": activation_store.directory.name})
    _sync("alignscope-store-merged")
    return Extraction(np.moveaxis(activation_store.open(), 0, 1), stats, activation_store.directory)


def _deliver(model: Model, batch: batching.Batch, output: jax.Array, activation_store: ActivationStore | None,
             in_memory: np.ndarray | None) -> None:
    """Moves one batch's result (this process's rows) to the store or the in-memory array."""
    local = model.local_rows(output)
    slots = batch.slots[jax.process_index()].ravel()
    items, values = slots[slots >= 0], local.reshape(slots.size, *local.shape[2:])[slots >= 0]
    if activation_store is None:
        in_memory[items] = values
    elif len(items):
        activation_store.write_chunk(items, values)


def _progress(total: int, initial: int, enabled: bool):
    """A tqdm bar (texts, rate, ETA) on a terminal; silent otherwise."""
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="text", desc="extract", dynamic_ncols=True,
                disable=not (enabled and sys.stderr.isatty()))
