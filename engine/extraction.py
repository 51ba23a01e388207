"""Texts -> per-layer pooled hidden states: bucketed, jitted, sharded, multi-host, resumable.

`extract` tokenizes (each process only its own texts), plans one global schedule of
length-bucketed batches, runs the model's pooled forward batch by batch (the next batch is
dispatched before the previous result is read), and writes results to an in-memory array or,
with a store, to `engine/store.py` chunks that a later run resumes from.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import platform
import sys
import time
from typing import Sequence

import jax
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import PartitionSpec

import alignscope
from alignscope.errors import AlignscopeError
from engine import batching, fingerprint, pooling
from engine.encoding import EncodedText, encode_texts
from engine.model import Model
from engine.store import ActivationStore

logger = logging.getLogger(__name__)
STORE_FORMAT = 1


@dataclasses.dataclass(frozen=True)
class ExtractionStats:
    """What a run did.

    Attributes:
      texts: inputs in the corpus.
      computed_texts: inputs run through the model in this call (the rest came from the store).
      real_tokens: tokens of the computed inputs (template and special tokens included).
      padded_tokens: positions the model ran for them, padding and filler rows included.
      padding_efficiency: real_tokens / padded_tokens.
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
    padding_efficiency: float
    batches: int
    compiled_shapes: int
    truncated: int
    seconds: float
    tokens_per_second: float

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


def extract(model: Model, tokenizer, texts: Sequence[str], pooling: str = "mean",
            layers: Sequence[int] | None = None, batch_size: int = 32, max_length: int = 512,
            chat_template: bool = False, store: str | os.PathLike | None = None,
            buckets: Sequence[int] | None = None) -> np.ndarray:
    """Returns `[len(texts), len(layers) or L + 1, d_model]` float32 pooled hidden states.

    Args:
      model: a loaded `Model`; its mesh (if any) shards the batch over `data`.
      tokenizer: the model's (fast) tokenizer.
      texts: the inputs, in order.
      pooling: `mean` (over the text's own tokens), `first` (its first token) or `last` (the
        input's last token: with a chat template, where generation would begin).
      layers: hidden-state indices to keep (0 = embeddings, L = after the final norm; negative
        counts from the end); None keeps all L + 1.
      batch_size: rows per batch at max_length; shorter buckets get proportionally more rows.
      max_length: longest input in tokens; longer texts lose their last own tokens (counted).
      chat_template: wrap each text as a user turn with the tokenizer's chat template.
      store: a cache directory for a resumable on-disk store (required with several processes);
        None keeps everything in memory.
      buckets: padded lengths; default `batching.default_buckets(max_length)`.
    """
    return run_extraction(model, tokenizer, texts, pooling, layers, batch_size, max_length,
                          chat_template, store, buckets).activations


def _normalise_layers(layers: Sequence[int] | None, num_states: int) -> tuple[int, ...] | None:
    if layers is None:
        return None
    result = []
    for layer in layers:
        if not -num_states <= int(layer) < num_states:
            raise AlignscopeError(f"layer {layer} does not exist; the model has hidden states 0..{num_states - 1}")
        result.append(int(layer) % num_states)
    if not result:
        raise AlignscopeError("layers is empty; give at least one layer index, or None for all")
    return tuple(result)


def _versions() -> dict[str, str]:
    import flax
    import transformers

    return {"alignscope": alignscope.__version__, "jax": jax.__version__, "flax": flax.__version__,
            "transformers": transformers.__version__, "numpy": np.__version__,
            "python": platform.python_version(), "backend": jax.default_backend()}


def _padded_inputs(encoded: list[EncodedText], rows: int, length: int, pooling_name: str,
                   pad_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Returns right-padded ids, mask and pooling weights `[rows, length]`; extra rows are empty."""
    ids = np.full((rows, length), pad_id, dtype=np.int32)
    mask = np.zeros((rows, length), dtype=np.int32)
    weights = np.zeros((rows, length), dtype=np.float32)
    for row, item in enumerate(encoded):
        ids[row, :len(item.ids)] = item.ids
        mask[row, :len(item.ids)] = 1
        weights[row] = pooling.pooling_weights(item, pooling_name, length)
    return ids, mask, weights


def _gather_lengths(local_lengths: np.ndarray, num_texts: int) -> np.ndarray:
    """Returns every text's length on every process (text i lives on process i % count)."""
    count = jax.process_count()
    if count == 1:
        return local_lengths
    width = -(-num_texts // count)
    padded = np.full(width, -1, dtype=np.int64)
    padded[:local_lengths.size] = local_lengths
    gathered = np.asarray(multihost_utils.process_allgather(padded))  # [processes, width]
    lengths = np.empty(num_texts, dtype=np.int64)
    for process in range(count):
        mine = np.arange(process, num_texts, count)
        lengths[mine] = gathered[process, :mine.size]
    return lengths


def _sync(name: str) -> None:
    if jax.process_count() > 1:
        multihost_utils.sync_global_devices(name)


def run_extraction(model: Model, tokenizer, texts: Sequence[str], pooling_name: str = "mean",
                   layers: Sequence[int] | None = None, batch_size: int = 32, max_length: int = 512,
                   chat_template: bool = False, store: str | os.PathLike | None = None,
                   buckets: Sequence[int] | None = None) -> Extraction:
    """`extract`, returning the activations with the run's statistics and store directory."""
    pooling.check_pooling(pooling_name)
    texts = list(texts)
    if not texts or not all(isinstance(text, str) for text in texts):
        raise AlignscopeError("texts must be a non-empty sequence of strings")
    num_states = model.config.num_layers + 1
    layers = _normalise_layers(layers, num_states)
    num_layers_out = len(layers) if layers is not None else num_states
    processes, process = jax.process_count(), jax.process_index()
    if processes > 1 and (store is None or model.mesh is None):
        raise AlignscopeError("a multi-process extraction needs a mesh (engine.make_mesh) and a store "
                              "directory that every process can read")
    spec = {
        "format": STORE_FORMAT, "weights": model.weights_fingerprint, "architecture": model.config.architecture,
        "tokenizer": fingerprint.tokenizer_fingerprint(tokenizer), "texts": fingerprint.texts_fingerprint(texts),
        "num_texts": len(texts), "pooling": pooling_name, "layers": layers, "max_length": max_length,
        "chat_template": bool(chat_template), "dtype": str(model.dtype),
    }
    activation_store = None
    if store is not None:
        activation_store = ActivationStore(store, fingerprint.combine(spec), {**spec, "versions": _versions()},
                                           process)
        if activation_store.is_complete():
            logger.info("reading activations from %s", activation_store.directory)
            stats = ExtractionStats(**{**activation_store.completion_record()["stats"], "computed_texts": 0})
            return Extraction(np.moveaxis(activation_store.open(), 0, 1), stats, activation_store.directory)

    mine = np.arange(process, len(texts), processes)
    encoded = dict(zip(mine.tolist(), encode_texts(tokenizer, [texts[i] for i in mine], max_length, chat_template)))
    lengths = _gather_lengths(np.array([len(encoded[i].ids) for i in mine], dtype=np.int64), len(texts))
    truncated = int(np.asarray(multihost_utils.process_allgather(
        np.array(sum(item.truncated for item in encoded.values())))).sum()) if processes > 1 else \
        sum(item.truncated for item in encoded.values())
    if truncated:
        logger.warning("%d of %d texts were longer than max_length=%d tokens and were truncated",
                       truncated, len(texts), max_length)
    multiple = model.mesh.shape["data"] if model.mesh is not None else 1
    plan = batching.plan_batches(lengths, batch_size, max_length, processes, multiple,
                                 tuple(buckets) if buckets else None)

    done = np.zeros(len(texts), dtype=bool)
    if activation_store is not None:
        for chunk in activation_store.chunks():
            done[chunk.rows] = True
        _sync("alignscope-store-read")  # Every process must see the same done rows before any writes.
    in_memory = None if activation_store is not None else np.zeros(
        (len(texts), num_layers_out, model.config.hidden_size), dtype=np.float32)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    todo = [batch for batch in plan if not done[batch.all_items()].all()]
    progress = _progress(len(texts), int(done.sum()), enabled=process == 0)
    shapes, real_tokens, padded_tokens = set(), 0, 0
    start = time.perf_counter()
    pending = None
    for batch in todo + [None]:
        if batch is not None:
            items = batch.items[process]
            ids, mask, weights = _padded_inputs([encoded[i] for i in items], batch.rows // processes,
                                                batch.length, pooling_name, pad_id)
            output = model.pooled_hidden_states(ids, mask, weights, layers)
            shapes.add((batch.rows, batch.length))
            real_tokens += int(lengths[batch.all_items()].sum())
            padded_tokens += batch.rows * batch.length
        if pending is not None:
            _deliver(model, *pending, done, activation_store, in_memory)
            progress.update(len(pending[0].all_items()))
            progress.set_postfix(tokens_per_s=f"{real_tokens / (time.perf_counter() - start):,.0f}", refresh=False)
        pending = (batch, output) if batch is not None else None
    progress.close()
    seconds = time.perf_counter() - start
    stats = ExtractionStats(
        texts=len(texts), computed_texts=int(sum(len(b.all_items()) for b in todo)), real_tokens=real_tokens,
        padded_tokens=padded_tokens, padding_efficiency=real_tokens / padded_tokens if padded_tokens else 1.0,
        batches=len(todo), compiled_shapes=len(shapes), truncated=truncated, seconds=seconds,
        tokens_per_second=real_tokens / seconds if seconds > 0 else 0.0)
    logger.info(stats.summary())
    if activation_store is None:
        return Extraction(in_memory, stats, None)
    _sync("alignscope-chunks-written")
    if process == 0:
        activation_store.merge(len(texts), {"stats": dataclasses.asdict(stats), "versions": _versions(),
                                            "spec": spec})
    _sync("alignscope-store-merged")
    return Extraction(np.moveaxis(activation_store.open(), 0, 1), stats, activation_store.directory)


def _deliver(model: Model, batch: batching.Batch, output: jax.Array, done: np.ndarray,
             activation_store: ActivationStore | None, in_memory: np.ndarray | None) -> None:
    """Moves one batch's result (this process's rows) to the store or the in-memory array."""
    if model.mesh is not None and jax.process_count() > 1:
        local = np.asarray(multihost_utils.global_array_to_host_local_array(
            output, model.mesh, PartitionSpec("data")))
    else:
        local = np.asarray(output)
    items = batch.items[jax.process_index()]
    values = local[:len(items)]
    if activation_store is None:
        in_memory[items] = values
        return
    fresh = ~done[items]
    if fresh.any():
        activation_store.write_chunk(items[fresh], values[fresh])


def _progress(total: int, initial: int, enabled: bool):
    """A tqdm bar (texts, tokens/s, ETA) on a terminal; silent otherwise."""
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="text", desc="extract", dynamic_ncols=True,
                disable=not (enabled and sys.stderr.isatty()))
