"""Log-probabilities of token sequences: the jittable core that training's losses share, and
`response_logprobs`, the summed log-probability of each response given its prompt.

The `[batch, seq, vocab]` logits are never materialised whole: the LM head runs on chunks of
positions (rematerialised in the backward pass when training with remat), and only each
position's target log-probability is kept.
"""

from __future__ import annotations

import functools
from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx
from jax.sharding import Mesh

from alignscope.errors import AlignscopeError
from alignscope.runtime import batching
from alignscope.models.intervention import Interventions, to_edits
from alignscope.models.forward import merged
from alignscope.models.model import Model
from alignscope.models.decoder import Decoder
from alignscope.models.edits import Edits
from alignscope.runtime.sequences import encode_sequences, pad_id, padded_sequences

# Positions whose logits are computed at once: [batch, SEQ_CHUNK, vocab] float32 is the most of
# the logits that exists at any time.
SEQ_CHUNK = 128


def _target_logprobs(module: Decoder, hidden: jax.Array, targets: jax.Array, remat: bool,
                     chunk: int) -> jax.Array:
    """Returns `[batch, n]` float32 log p(targets | hidden): the LM head on `[batch, chunk]`
    positions at a time (rematerialised in the backward pass with `remat`)."""
    batch, n = targets.shape
    chunks = -(-n // max(1, min(chunk, n)))
    chunk = -(-n // chunks)  # equal chunks: at most chunks - 1 padded positions
    extra = chunks * chunk - n
    hidden = jnp.pad(hidden, ((0, 0), (0, extra), (0, 0)))
    targets = jnp.pad(targets, ((0, 0), (0, extra)))

    def chunk_logprobs(hidden_chunk: jax.Array, target_chunk: jax.Array) -> jax.Array:
        logits = module.logits(hidden_chunk)  # [batch, chunk, vocab] float32
        picked = jnp.take_along_axis(logits, target_chunk[..., None], axis=-1)[..., 0]
        return picked - jax.nn.logsumexp(logits, axis=-1)

    if remat:  # the backward pass recomputes a chunk's logits instead of keeping every chunk's
        chunk_logprobs = jax.checkpoint(chunk_logprobs)

    if chunks == 1:
        return chunk_logprobs(hidden, targets)[:, :n]
    split = lambda x: jnp.moveaxis(x.reshape(batch, chunks, chunk, *x.shape[2:]), 1, 0)
    scores = jax.lax.map(lambda pair: chunk_logprobs(*pair), (split(hidden), split(targets)))
    return jnp.moveaxis(scores, 0, 1).reshape(batch, chunks * chunk)[:, :n]


def token_logprobs(module: Decoder, input_ids: jax.Array, attention_mask: jax.Array, *, remat: bool = False,
                   seq_chunk: int = SEQ_CHUNK, edits: Edits | None = None) -> jax.Array:
    """Returns `[batch, seq]` float32: entry t is log p(input_ids[t] | input_ids[:t]); entry 0 is 0.

    Entries at padded positions (or whose predecessor is padding) are finite garbage that the
    caller masks out. Call inside jit.

    Args:
      module: the decoder (already cast to the compute dtype).
      input_ids, attention_mask: `[batch, seq]`, padded on either side.
      remat: rematerialise each block and each chunk's logits in the backward pass (training), so
        gradient memory holds one residual stream per layer and one chunk of logits.
      seq_chunk: positions per LM-head chunk.
      edits: residual-stream edits (`models.intervention.to_edits`); None for none.
    """
    _, final = module.hidden_states(input_ids, attention_mask, collect=lambda h: None, remat=remat, edits=edits)
    scores = _target_logprobs(module, final[:, :-1], input_ids[:, 1:], remat, seq_chunk)
    return jnp.concatenate([jnp.zeros((input_ids.shape[0], 1), jnp.float32), scores], axis=1)


def masked_sums(module: Decoder, input_ids: jax.Array, attention_mask: jax.Array, scored: jax.Array, *,
                remat: bool = False, edits: Edits | None = None) -> jax.Array:
    """Returns `[batch]` float32: each row's summed log-probability over its `scored` tokens.

    Unscored positions are excluded with `where`, so nothing computed there (padding) can leak.
    """
    logprobs = token_logprobs(module, input_ids, attention_mask, remat=remat, edits=edits)
    return jnp.sum(jnp.where(scored, logprobs, 0.0), axis=-1)


def scored_positions(scored: np.ndarray, capacity: int, shards: int = 1) -> np.ndarray:
    """Returns `[shards, capacity]` int32: per shard (consecutive equal groups of the rows of
    `scored` `[rows, seq]`, as a mesh's data axis splits them), the flat indices
    `local_row * seq + t` of its True entries (each t >= 1), then -1 for the empty slots
    (`packed_sums`' input).

    Raises:
      AlignscopeError: a shard with more scored tokens than `capacity`, or a scored first token
        (it has no predecessor to predict it).
    """
    if np.any(scored[:, 0]):
        raise AlignscopeError("a sequence's first token is scored, but nothing precedes it to predict it")
    result = np.full((shards, capacity), -1, dtype=np.int32)
    for shard, part in enumerate(np.split(scored, shards)):
        flat = np.flatnonzero(part.reshape(-1))
        if len(flat) > capacity:
            raise AlignscopeError(f"{len(flat)} scored tokens do not fit a capacity of {capacity}")
        result[shard, :len(flat)] = flat
    return result


def packed_sums(module: Decoder, input_ids: jax.Array, attention_mask: jax.Array, positions: jax.Array, *,
                remat: bool = False, chunk: int = 8 * SEQ_CHUNK, edits: Edits | None = None) -> jax.Array:
    """Returns `[batch]` float32: each row's summed log-probability over the tokens at
    `positions`, as `masked_sums` gives it, with the LM head run on those tokens only.

    The LM head (the costliest part of a small model with a large vocabulary) runs on the
    `[shards, capacity]` scored positions gathered from the rows, not on `[batch, seq]`; each
    shard gathers from its own rows, so on a mesh whose data axis splits the rows into those
    shards, the head stays split too.

    Args:
      positions: `[shards, capacity]` int32 from `scored_positions`: flat indices
        `local_row * seq + t` within each shard's `batch / shards` rows, -1 for an empty slot.
      chunk: positions per shard per LM-head chunk.
    """
    _, final = module.hidden_states(input_ids, attention_mask, collect=lambda h: None, remat=remat, edits=edits)
    batch, seq = input_ids.shape
    shards = positions.shape[0]
    rows = batch // shards
    valid = positions >= 0
    flat = jnp.where(valid, positions, 1)  # an empty slot reads its shard's token 1, then counts for nothing
    # The state before each target, in the same row since t >= 1.
    hidden = jnp.take_along_axis(final.reshape(shards, rows * seq, -1), (flat - 1)[..., None], axis=1)
    targets = jnp.take_along_axis(jnp.asarray(input_ids).reshape(shards, rows * seq), flat, axis=1)
    logprobs = _target_logprobs(module, hidden, targets, remat, chunk)
    row_ids = flat // seq + rows * jnp.arange(shards)[:, None]
    return jax.ops.segment_sum(jnp.where(valid, logprobs, 0.0).reshape(-1), row_ids.reshape(-1), num_segments=batch)


@functools.partial(jax.jit, static_argnums=(0, 1))
def _scored_sums(graphdef: nnx.GraphDef, compute_dtype: jnp.dtype, params: nnx.State, input_ids: jax.Array,
                 attention_mask: jax.Array, scored: jax.Array, edits: Edits | None) -> jax.Array:
    return masked_sums(merged(graphdef, params, compute_dtype), input_ids, attention_mask, scored, edits=edits)


def scored_logprobs(model: Model, sequences: Sequence, pad: int, *, batch_size: int = 32,
                    max_length: int | None = None, padding_side: str = "right",
                    intervention: Interventions = None) -> np.ndarray:
    """Returns `[len(sequences)]` float32 summed log-probabilities of encoded sequences
    (`runtime.sequences.EncodedSequence`), run in length buckets like extraction.

    Args:
      model: on one device or a mesh (rows are split over its `data` axis).
      pad: the padding token id.
      batch_size: rows per batch at the longest bucket; shorter buckets get more.
      max_length: the largest bucket; default the longest sequence.
      padding_side: `right` or `left` (no value changes).
      intervention: residual-stream edits (`engine.Intervention`, or a list applied in order).
    """
    lengths = np.array([len(sequence.ids) for sequence in sequences], dtype=np.int64)
    result = np.zeros(len(sequences), dtype=np.float32)
    if not len(sequences):
        return result
    max_length = int(max_length or lengths.max())
    multiple = model.mesh.shape["data"] if model.mesh is not None else 1
    edits = to_edits(intervention, model.config.num_layers, model.config.hidden_size)
    for batch in batching.plan_batches(lengths, batch_size, max_length, multiple=multiple):
        items = batch.all_items()
        ids, mask, scored = padded_sequences([sequences[i] for i in items], batch.rows, batch.length, pad,
                                             padding_side)
        sums = _scored_sums(model.graphdef, model.compute_dtype, model.params, model._feed(ids), model._feed(mask),
                            model._feed(scored), edits)
        result[items] = np.asarray(sums)[:len(items)]
    return result


def response_logprobs(model: Model, tokenizer, prompts: Sequence[str], responses: Sequence[str],
                      chat_template: bool = False, append_eos: bool = False, *, batch_size: int = 32,
                      max_length: int | None = None, mesh: Mesh | None = None,
                      padding_side: str = "right", intervention: Interventions = None) -> np.ndarray:
    """Returns `[N]` float32: the summed log-probability of each response's tokens given its prompt.

    Tokenized by `runtime.sequences.encode_sequences` (the prompt with its special tokens, or the
    rendered user turn with `chat_template`; the response without special tokens, plus EOS with
    `append_eos`); only response tokens are scored.

    Args:
      model, tokenizer: the model and its tokenizer.
      prompts, responses: aligned sequences of N strings.
      chat_template, append_eos: as in `encode_sequences`.
      batch_size: rows per batch at the longest length; shorter buckets get more rows.
      max_length: responses are cut so a sequence has at most this many tokens; None: no cut.
      mesh: a `(data, model)` mesh to run on; default the model's own, or one device.
      padding_side: `right` or `left`; no value changes.
      intervention: residual-stream edits during scoring (`engine.Intervention`, or a list).
    """
    if jax.process_count() > 1:
        raise AlignscopeError("response_logprobs runs in one process; run it on one host")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise AlignscopeError(f"batch_size must be a positive integer, not {batch_size!r}")
    if mesh is not None and mesh is not model.mesh:
        model = model.to_mesh(mesh)
    sequences = encode_sequences(tokenizer, prompts, responses, chat_template, append_eos, max_length)
    return scored_logprobs(model, sequences, pad_id(tokenizer), batch_size=batch_size, padding_side=padding_side,
                           intervention=intervention)
