"""Texts -> per-layer pooled hidden states: bucketed, jitted, sharded, multi-host, resumable.

`extract` tokenizes (each process only its own texts), plans one global schedule of
length-bucketed batches, runs the model's pooled forward batch by batch (the next batch is
dispatched before the previous result is read), and writes results to an in-memory array or,
with a store, to `runtime/store.py` chunks that a later run resumes from. `run_extractions`
pools one forward pass several ways (e.g. the last k tokens), each pooling its own store entry.
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
from alignscope.runtime.encoding import EncodedText, encode_texts, require_fast_tokenizer, shared_prefix
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
    return run_extractions(model, tokenizer, texts, [ExtractionSpec.of(spec, **options)], mesh=mesh, store=store)[0]


def run_extractions(model: Model, tokenizer, texts: Sequence[str], specs: Sequence[ExtractionSpec], *,
                    mesh: Mesh | None = None, store: str | os.PathLike | None = None) -> list[Extraction]:
    """Several extractions of the same texts that differ only in pooling, from one forward pass:
    per spec, what `run_extraction` with it returns (the same values, up to float rounding, and
    the same store entry, so either reads what the other stored).

    With a store, each spec is its own entry: complete ones are read and never run, the others
    are computed together, each text once (a text some of them already hold is written only to
    those that lack it).

    Raises:
      AlignscopeError: no specs, specs that differ in more than pooling, or a pooling twice.
    """
    specs = [spec.for_layers(model.layer_indices(spec.layers)) for spec in specs]
    if not specs:
        raise AlignscopeError("run_extractions needs at least one ExtractionSpec")
    if len({dataclasses.replace(spec, pooling="mean") for spec in specs}) > 1:
        raise AlignscopeError("extractions run in one pass must differ only in pooling")
    if len({spec.pooling for spec in specs}) < len(specs):
        raise AlignscopeError(f"a pooling is asked for twice: {[spec.pooling for spec in specs]}")
    require_fast_tokenizer(tokenizer)
    texts = list(texts)
    if not texts or not all(isinstance(text, str) for text in texts):
        raise AlignscopeError("texts must be a non-empty sequence of strings")
    process = jax.process_index()
    if jax.process_count() > 1 and (store is None or (mesh or model.mesh) is None):
        raise AlignscopeError("a multi-process extraction needs a mesh (engine.make_mesh) and a store "
                              "directory that every process can read")
    if specs[0].max_length > model.config.max_position_embeddings:
        logger.warning("max_length=%d exceeds the model's max_position_embeddings=%d", specs[0].max_length,
                       model.config.max_position_embeddings)
    if store is None:
        return _run(model, mesh, tokenizer, texts, specs, [None] * len(specs))
    common = {
        "model": model.identity, "config": dataclasses.asdict(model.config),
        "param_dtype": str(model.param_dtype), "compute_dtype": str(model.compute_dtype),
        "tokenizer": fingerprint.tokenizer_fingerprint(tokenizer), "texts": fingerprint.texts_fingerprint(texts),
        "num_texts": len(texts),
    }
    stores = [ActivationStore.for_key(store, {**common, **spec.key()}, process) for spec in specs]
    with contextlib.ExitStack() as held:
        if process == 0:  # in one order, so two runs over overlapping sets of entries never deadlock
            for entry in sorted(stores, key=lambda entry: entry.directory.name):
                held.enter_context(entry.exclusive())
        complete = _from_process_0(np.array([entry.is_complete() for entry in stores]))
        results: list[Extraction | None] = [_read(entry) if done else None for entry, done in zip(stores, complete)]
        missing = [index for index, done in enumerate(complete) if not done]
        if missing:
            computed = _run(model, mesh, tokenizer, texts, [specs[i] for i in missing], [stores[i] for i in missing])
            for index, result in zip(missing, computed):
                results[index] = result
    return results


def _read(activation_store: ActivationStore) -> Extraction:
    """A complete store's activations, as an extraction that computed nothing."""
    logger.info("reading activations from %s", activation_store.directory)
    stats = ExtractionStats(**{**activation_store.completion_record()["stats"], "computed_texts": 0})
    return Extraction(np.moveaxis(activation_store.open(), 0, 1), stats, activation_store.directory)


def _run(model: Model, mesh: Mesh | None, tokenizer, texts: list[str], specs: list[ExtractionSpec],
         stores: list[ActivationStore | None]) -> list[Extraction]:
    """Tokenizes this process's texts, plans the global schedule of the texts some store lacks,
    runs it once for every spec's pooling, stores the results (or keeps them in memory)."""
    spec = specs[0]
    poolings = [each.pooling for each in specs]
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
    done = np.zeros((len(specs), len(texts)), dtype=bool)  # per store, the texts it already holds
    for index, activation_store in enumerate(stores):
        if activation_store is not None and process == 0:
            for chunk in activation_store.chunks():
                done[index, chunk.rows] = True
    done = _from_process_0(done)  # Every process follows the same schedule, or collectives hang.
    multiple = model.mesh.shape["data"] if model.mesh is not None else 1
    pack = spec.packing and not model.config.length_dependent_rope  # Such rotary reads the whole row's length.
    prefix = _shared_prefix(encoded, spec.max_length) if pack else np.zeros(0, np.int32)
    todo = batching.plan_batches(lengths - len(prefix), spec.batch_size, spec.max_length, processes, multiple,
                                 spec.buckets, skip=done.all(axis=0), pack=pack)
    num_states = len(spec.layers) if spec.layers is not None else model.config.num_layers + 1
    in_memory = [np.zeros((len(texts), num_states, model.config.hidden_size), dtype=np.float32)
                 if activation_store is None else None for activation_store in stores]
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    real_tokens = int(sum(lengths[batch.all_items()].sum() for batch in todo))
    progress = _progress(len(texts), int(done.all(axis=0).sum()), enabled=process == 0)
    start = time.perf_counter()
    pending, delivered_tokens = None, 0
    for batch in todo + [None]:
        if batch is not None:
            ids, mask, weights = batching.batch_inputs(encoded, batch.slots[process], batch.length, poolings, pad_id,
                                                       prefix)
            output = model.pooled_hidden_states(ids, mask, weights, spec.layers, spec.intervention)
        if pending is not None:
            _deliver(model, *pending, len(specs), done, stores, in_memory)
            progress.update(len(pending[0].all_items()))
            delivered_tokens += int(lengths[pending[0].all_items()].sum())
            progress.set_postfix_str(f"{delivered_tokens / (time.perf_counter() - start):,.0f} tokens/s", refresh=False)
        pending = (batch, output) if batch is not None else None
    progress.close()
    seconds = time.perf_counter() - start
    stats = ExtractionStats(
        texts=len(texts), computed_texts=int(sum(len(batch.all_items()) for batch in todo)), real_tokens=real_tokens,
        padded_tokens=int(sum(batch.rows * (len(prefix) + batch.length) for batch in todo)), batches=len(todo),
        compiled_shapes=batching.compiled_shapes(todo), truncated=truncated, seconds=seconds,
        tokens_per_second=real_tokens / seconds if seconds > 0 else 0.0)
    logger.info(stats.summary())
    if process == 0 and sys.stderr.isatty():
        print(stats.summary(), file=sys.stderr)
    if stores[0] is None:
        return [Extraction(values, stats, None) for values in in_memory]
    _sync("alignscope-chunks-written")
    if process == 0:
        for activation_store in stores:
            activation_store.merge(len(texts), {"stats": dataclasses.asdict(stats), "versions": library_versions(),
                                                "spec": activation_store.directory.name})
    _sync("alignscope-store-merged")
    return [Extraction(np.moveaxis(activation_store.open(), 0, 1), stats, activation_store.directory)
            for activation_store in stores]


def _shared_prefix(encoded: dict[int, EncodedText], max_length: int) -> np.ndarray:
    """Returns `encoding.shared_prefix` of every process's texts (each process holds its own)."""
    if jax.process_count() == 1:
        return shared_prefix([item.ids for item in encoded.values()])
    # Per process: whether it has texts, then the prefix its texts share (any length), then -1s.
    local = shared_prefix([item.ids for item in encoded.values()], minimum=0)
    mine = np.full(max_length + 2, -1, np.int64)
    mine[0], mine[1:1 + len(local)] = len(encoded) > 0, local
    # Each prefix keeps one -1 after it, so that the common prefix of prefixes is not cut a token short.
    prefixes = [row[1:2 + np.count_nonzero(row[1:] >= 0)] for row in _allgather(mine) if row[0]]
    return shared_prefix(prefixes)


def _deliver(model: Model, batch: batching.Batch, output: jax.Array, poolings: int, done: np.ndarray,
             stores: list[ActivationStore | None], in_memory: list[np.ndarray | None]) -> None:
    """Moves one batch's result (this process's rows) to each pooling's store, the texts it lacks
    (`done` `[poolings, num_texts]`), or to its in-memory array.

    Args:
      output: `[rows, segments * poolings, layers, d_model]`, text-major (`batching.batch_inputs`).
    """
    local = model.local_rows(output)
    slots = batch.slots[jax.process_index()].ravel()
    by_text = local.reshape(slots.size, poolings, *local.shape[2:])
    for index, (activation_store, array) in enumerate(zip(stores, in_memory)):
        keep = (slots >= 0) & ~done[index, np.maximum(slots, 0)]
        items, values = slots[keep], by_text[keep, index]
        if activation_store is None:
            array[items] = values
        elif len(items):
            activation_store.write_chunk(items, values)


def _progress(total: int, initial: int, enabled: bool):
    """A tqdm bar (texts, rate, ETA) on a terminal; silent otherwise."""
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="text", desc="extract", dynamic_ncols=True,
                disable=not (enabled and sys.stderr.isatty()))
