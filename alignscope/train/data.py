"""Training data -> fixed-shape token arrays, and the seeded order in which examples are drawn.

Every example is padded to one length (the smallest bucket that holds the longest sequence), so
the train step compiles once. A preference pair is one example of two rows (chosen, rejected).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Sequence

import numpy as np

from alignscope.errors import AlignscopeError
from alignscope.runtime import batching
from alignscope.runtime.logprobs import scored_positions
from alignscope.runtime.sequences import EncodedSequence, encode_sequences, pad_id, padded_sequences
from alignscope.train.config import TuneConfig

logger = logging.getLogger(__name__)

CAPACITY_MULTIPLE = 64


@dataclasses.dataclass(frozen=True)
class TrainingSet:
    """Every example, tokenized and padded.

    Attributes:
      ids: `[examples, rows, length]` int32, rows = 1 (pretrain, sft) or 2 (dpo: chosen, rejected).
      mask: `[examples, rows, length]` int32 attention mask (1 on real tokens).
      scored: `[examples, rows, length]` bool, the tokens the loss reads.
    """

    ids: np.ndarray
    mask: np.ndarray
    scored: np.ndarray

    def __len__(self) -> int:
        return self.ids.shape[0]

    def take(self, indices: np.ndarray, capacity: int, shards: int = 1) -> dict[str, np.ndarray]:
        """Returns the examples at `indices` as a batch dict: `ids`, `mask`, `scored`
        `[len(indices), rows, length]` and `positions` `[shards, capacity]`, the flat indices of
        their scored tokens per shard of the examples (`runtime.logprobs.scored_positions`)."""
        scored = self.scored[indices]
        return {"ids": self.ids[indices], "mask": self.mask[indices], "scored": scored,
                "positions": scored_positions(scored.reshape(-1, scored.shape[-1]), capacity, shards)}

    def scored_capacity(self, draws: Sequence[np.ndarray], shards: int = 1) -> int:
        """Returns the most scored tokens in one shard (of `shards` equal consecutive parts) of
        any of the example sets `draws` (each an array of indices), rounded up to a multiple of
        `CAPACITY_MULTIPLE`: one `take` capacity for them all."""
        counts = self.scored.reshape(len(self), -1).sum(axis=1)
        most = max(int(part.sum()) for indices in draws for part in np.split(counts[np.asarray(indices)], shards))
        return -(-most // CAPACITY_MULTIPLE) * CAPACITY_MULTIPLE


def _columns(data: Any, names: Sequence[str]) -> list[list[str]] | None:
    """Returns `data`'s attributes or columns `names` as lists (a `Preferences`, a DataFrame,
    any object with those attributes), or None when it has not got them all."""
    try:
        return [list(getattr(data, name)) if hasattr(data, name) else list(data[name]) for name in names]
    except (KeyError, TypeError, IndexError, ValueError):
        return None


def _pairs(data: Any, what: str) -> tuple[list[str], list[str]]:
    """(prompts, responses) from a 2-tuple of sequences."""
    if isinstance(data, (tuple, list)) and len(data) == 2 and not isinstance(data[0], str):
        return list(data[0]), list(data[1])
    raise AlignscopeError(f"{what} data must be (prompts, responses): two sequences of strings")


def encode_training_data(tokenizer, data: Any, config: TuneConfig) -> list[list[EncodedSequence]]:
    """Returns, per example, its encoded rows (one, or chosen and rejected for DPO).

    Accepted `data`:
      pretrain: a sequence of texts (every token scored), or (prompts, responses) in the chat
        format (`config.chat_template`), every token scored, template included;
      sft: (prompts, responses), or preference pairs (their chosen answers);
      dpo: preference pairs: `engine.load_preferences(...)`, a DataFrame with columns prompt,
        chosen and rejected, or a (prompts, chosen, rejected) tuple.
    """
    encode = lambda prompts, responses, chat, score_prompt=False: encode_sequences(
        tokenizer, prompts, responses, chat, config.append_eos, config.max_length, score_prompt)
    if config.method == "pretrain":
        if isinstance(data, (list, tuple)) and data and all(isinstance(text, str) for text in data):
            examples = [[row] for row in encode([""] * len(data), list(data), False)]
        else:
            examples = [[row] for row in encode(*_pairs(data, "pretrain"), config.chat_template, True)]
    elif config.method == "sft":
        columns = _columns(data, ("prompt", "chosen"))
        prompts, responses = columns if columns is not None else _pairs(data, "sft")
        examples = [[row] for row in encode(prompts, responses, config.chat_template)]
    else:
        columns = _columns(data, ("prompt", "chosen", "rejected"))
        if columns is None and isinstance(data, (tuple, list)) and len(data) == 3 and not isinstance(data[0], str):
            columns = [list(part) for part in data]
        if columns is None:
            raise AlignscopeError("dpo data must be preference pairs: engine.load_preferences(...), a table with "
                                  "columns prompt, chosen, rejected, or (prompts, chosen, rejected)")
        prompts, chosen, rejected = columns
        if not len(prompts) == len(chosen) == len(rejected):
            raise AlignscopeError(f"dpo data has {len(prompts)} prompts, {len(chosen)} chosen and {len(rejected)} "
                                  f"rejected answers; give one of each per pair")
        examples = [list(pair) for pair in zip(encode(prompts, chosen, config.chat_template),
                                               encode(prompts, rejected, config.chat_template))]
    if not examples:
        raise AlignscopeError(f"{config.method} data is empty")
    if not all(row.scored.any() for rows in examples for row in rows):
        empty = next(i for i, rows in enumerate(examples) if not all(row.scored.any() for row in rows))
        raise AlignscopeError(f"example {empty} has no token to score (an empty response without append_eos?)")
    truncated = sum(row.truncated for rows in examples for row in rows)
    if truncated:
        logger.warning("%d sequences were longer than max_length=%d and lost their last tokens",
                       truncated, config.max_length)
    return examples


def training_set(tokenizer, data: Any, config: TuneConfig, padding_side: str = "right") -> TrainingSet:
    """Returns every example tokenized (`encode_training_data`) and padded to one bucket length."""
    examples = encode_training_data(tokenizer, data, config)
    longest = max(len(row.ids) for rows in examples for row in rows)
    buckets = batching.default_buckets(config.max_length)
    length = next(bucket for bucket in buckets if bucket >= longest)
    rows = [padded_sequences(example, len(example), length, pad_id(tokenizer), padding_side) for example in examples]
    return TrainingSet(*(np.stack(part) for part in zip(*rows)))


def example_order(position: int, count: int, num_examples: int, seed: int) -> np.ndarray:
    """Returns `[count]` example indices: items position .. position + count - 1 of the stream.

    The stream is a sequence of epochs, each a fresh permutation of the examples seeded by
    (seed, epoch), so what is drawn depends on (seed, position) only: a run resumed at a
    checkpoint's data position draws what an uninterrupted one does.
    """
    epochs = range(position // num_examples, (position + count - 1) // num_examples + 1)
    stream = np.concatenate([np.random.default_rng([seed, epoch]).permutation(num_examples) for epoch in epochs])
    offset = position - epochs[0] * num_examples
    return stream[offset:offset + count]
