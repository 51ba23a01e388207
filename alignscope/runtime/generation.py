"""Prompts -> generated texts: tokenize, batch by length into a few left-padded buckets, decode.

Rows are sorted by prompt length and cut into batches of `batch_size` rows, each left-padded to
the bucket of its longest prompt (`prompt_buckets`: extraction's steps of 1.5x and 2x, so that
prompt fills at least two thirds of its row; every bucket compiles the generation loop again, a
few seconds, less than the padding of powers of two costs), so a run compiles once per bucket;
the last batch is topped up with empty rows. The first tokens all prompts share (a chat
template's system prompt) run once per batch, into the cache every row reads. Single-process (a
mesh on one host shards each batch over its `data` axis).
"""

from __future__ import annotations

from typing import Iterator, Sequence

import jax
import numpy as np

from alignscope.errors import AlignscopeError
from alignscope.runtime.batching import default_buckets
from alignscope.runtime.encoding import encode_texts, shared_prefix
from alignscope.models.intervention import Interventions
from alignscope.models.model import Model

SMALLEST_PROMPT_BUCKET = 16


def left_padded(sequences: Sequence[np.ndarray], rows: int, length: int, pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Returns `input_ids` and `attention_mask` `[rows, length]` int32, each sequence at the right
    end of its row; rows past the sequences are empty (mask 0)."""
    ids = np.full((rows, length), pad_id, dtype=np.int32)
    mask = np.zeros((rows, length), dtype=np.int32)
    for row, sequence in enumerate(sequences):
        if len(sequence):
            ids[row, -len(sequence):] = sequence
            mask[row, -len(sequence):] = 1
    return ids, mask


def length_batches(lengths: np.ndarray, batch_size: int, buckets: Sequence[int]) -> list[tuple[np.ndarray, int]]:
    """Returns (indices, padded length) per batch: rows in descending length, `batch_size` at a
    time, each padded to the smallest bucket that holds its longest row."""
    buckets = np.asarray(sorted(buckets))
    order = np.argsort(-np.asarray(lengths), kind="stable")
    batches = []
    for start in range(0, len(order), batch_size):
        items = order[start:start + batch_size]
        batches.append((items, int(buckets[np.searchsorted(buckets, lengths[items].max())])))
    return batches


def prompt_buckets(max_length: int) -> tuple[int, ...]:
    """Returns 16, 24, 32, 48, 64, 96, ... below max_length, then max_length (`batching.default_buckets`
    from 16 up)."""
    return tuple(length for length in default_buckets(max_length) if length >= SMALLEST_PROMPT_BUCKET) or (max_length,)


def special_ids(model: Model, tokenizer) -> tuple[list[int], int]:
    """Returns (the ids that end generation: the model config's and the tokenizer's EOS; the pad id:
    the tokenizer's, else the first EOS, else 0)."""
    eos = model.eos_token_ids()
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in eos:
        eos.append(int(tokenizer.eos_token_id))
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else (eos[0] if eos else 0)
    return eos, int(pad)


def prompt_batches(model: Model, tokenizer, prompts: Sequence[str], chat_template: bool, batch_size: int,
                   max_length: int, share_prefix: bool = False
                   ) -> tuple[np.ndarray, Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """Returns (the prefix every prompt shares, `[P]`: `encoding.shared_prefix` with `share_prefix`,
    else empty; the batches: (prompt indices, `input_ids`, `attention_mask` `[rows, bucket]`) of
    left-padded prompts after that prefix, covering every prompt, the same rows (`batch_size`
    rounded up to the mesh's data axis) per batch).

    Raises:
      AlignscopeError: no prompts, a non-string, or a bad batch size.
    """
    prompts = list(prompts)
    if not prompts or not all(isinstance(prompt, str) for prompt in prompts):
        raise AlignscopeError("prompts must be a non-empty sequence of strings")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise AlignscopeError(f"batch_size must be a positive integer, not {batch_size!r}")
    if jax.process_count() > 1:
        raise AlignscopeError("generation and next-token scoring run in one process; use a mesh on one host")
    encoded = [item.ids for item in encode_texts(tokenizer, prompts, max_length, chat_template)]
    prefix = shared_prefix(encoded) if share_prefix else np.zeros(0, np.int32)
    suffixes = [ids[len(prefix):] for ids in encoded]
    lengths = np.array([len(ids) for ids in suffixes])
    multiple = model.mesh.shape["data"] if model.mesh is not None else 1
    rows = -(-batch_size // multiple) * multiple
    _, pad = special_ids(model, tokenizer)
    batches = ((items, *left_padded([suffixes[i] for i in items], rows, length, pad))
               for items, length in length_batches(lengths, rows, prompt_buckets(max_length)))
    return prefix, batches


def generate_ids(model: Model, tokenizer, prompts: Sequence[str], max_new_tokens: int = 64,
                 chat_template: bool = False, intervention: Interventions = None, *, batch_size: int = 16,
                 max_length: int = 512, temperature: float = 0.0, seed: int = 0) -> list[np.ndarray]:
    """Returns per prompt the generated ids, ending at (and including) the first EOS.

    Args: as `generate`.
    """
    return generate_ids_and_logits(model, tokenizer, prompts, max_new_tokens, chat_template, intervention,
                                   batch_size=batch_size, max_length=max_length, temperature=temperature,
                                   seed=seed)[0]


def generate_ids_and_logits(model: Model, tokenizer, prompts: Sequence[str], max_new_tokens: int = 64,
                            chat_template: bool = False, intervention: Interventions = None, *, batch_size: int = 16,
                            max_length: int = 512, temperature: float = 0.0,
                            seed: int = 0) -> tuple[list[np.ndarray], np.ndarray]:
    """Returns (`generate_ids`, `[N, vocab]` float32 each prompt's next-token logits from the same
    pass: what `interp.refusal.next_token_logits` gives, without a second forward pass).

    Args: as `generate`.
    """
    eos, pad = special_ids(model, tokenizer)
    results: list[np.ndarray] = [np.zeros(0, np.int32)] * len(prompts)
    logits = np.zeros((len(prompts), model.config.vocab_size), np.float32)
    prefix, batches = prompt_batches(model, tokenizer, prompts, chat_template, batch_size, max_length,
                                     share_prefix=not model.config.length_dependent_rope)
    for items, ids, mask in batches:
        rows = ids.shape[0]
        seeds = np.zeros(rows, np.int64)
        seeds[:len(items)] = seed + items  # a prompt's sample depends on its index, not its batch
        output, first_logits = model.generate(ids, mask, max_new_tokens, intervention, eos_token_ids=eos,
                                              pad_token_id=pad, temperature=temperature, seed=seeds % 2**32,
                                              return_logits=True, prefix_ids=prefix)
        logits[items] = first_logits[:len(items)]
        for row, item in enumerate(items):
            ended = np.flatnonzero(np.isin(output[row], eos))
            results[item] = output[row, :ended[0] + 1] if ended.size else output[row]
    return results, logits


def generate(model: Model, tokenizer, prompts: Sequence[str], max_new_tokens: int = 64, chat_template: bool = False,
             intervention: Interventions = None, *, batch_size: int = 16, max_length: int = 512,
             temperature: float = 0.0, seed: int = 0) -> list[str]:
    """Returns the model's continuation of each prompt as text (special tokens and EOS dropped).

    Args:
      model: a `Model`.
      tokenizer: its (fast) tokenizer.
      prompts: the prompts, in order.
      max_new_tokens: the most tokens generated per prompt.
      chat_template: wrap each prompt as a user turn with the tokenizer's chat template (the
        generation prompt included).
      intervention: residual-stream edits (`engine.Intervention`, or a list applied in order),
        at every position.
      batch_size: rows per batch (rounded up to a multiple of the mesh's data axis).
      max_length: longest prompt in tokens; longer prompts lose their last own tokens.
      temperature: 0 for greedy decoding; above 0, seeded sampling.
      seed: the sampling seed; prompt i samples with seed + i, whatever its batch.
    """
    generated = generate_ids(model, tokenizer, prompts, max_new_tokens, chat_template, intervention,
                             batch_size=batch_size, max_length=max_length, temperature=temperature, seed=seed)
    return [tokenizer.decode(ids, skip_special_tokens=True) for ids in generated]
