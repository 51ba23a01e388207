"""The batch schedule: sort by length, pad to a few fixed length buckets, constant tokens per batch.

A bucket of length T gets floor(batch_size * max_length / T) rows, rounded down to a multiple of
the data-axis size, so every batch holds about the same number of tokens and each bucket is one
compiled shape: a run compiles at most once per bucket. Batches are cut from the texts in
descending length, so a batch may finish with texts of the next shorter bucket instead of
empty rows; only the run's last batch is topped up with empty rows.

Multi-host: text i belongs to process i % num_processes, which tokenizes and feeds it. The plan
is computed from the lengths of all texts (gathered from every process), identically on every
process, so all processes run the same sequence of global batches and collectives line up.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from alignscope.errors import AlignscopeError
from engine import pooling
from engine.encoding import EncodedText

SMALLEST_BUCKET = 8


def default_buckets(max_length: int) -> tuple[int, ...]:
    """Returns 8, 12, 16, 24, 32, 48, ... (powers of two and 1.5x them) below max_length, then max_length."""
    buckets = []
    power = SMALLEST_BUCKET
    while power < max_length:
        buckets += [b for b in (power, power * 3 // 2) if b < max_length]
        power *= 2
    return tuple(buckets) + (max_length,)


def rows_for_length(length: int, batch_size: int, max_length: int, multiple: int = 1) -> int:
    """Rows of a batch padded to `length`: about `batch_size * max_length` tokens per batch."""
    rows = batch_size * max_length // length
    return max(multiple, rows // multiple * multiple)


@dataclasses.dataclass(frozen=True)
class Batch:
    """One global batch.

    Attributes:
      length: the padded length T of every row.
      rows: global rows (fixed per bucket); rows beyond the real texts are empty.
      items: per process, the indices (into all texts) of the texts it feeds, at most
        rows // num_processes each.
    """

    length: int
    rows: int
    items: tuple[np.ndarray, ...]

    def all_items(self) -> np.ndarray:
        """Returns the indices of every text in the batch, all processes together."""
        return np.concatenate(self.items)


def plan_batches(lengths: np.ndarray, batch_size: int, max_length: int, num_processes: int = 1,
                 multiple: int = 1, buckets: tuple[int, ...] | None = None,
                 skip: np.ndarray | None = None) -> list[Batch]:
    """Returns the batches covering every text not skipped, longest first (out-of-memory shows early).

    Texts are taken in descending length; a batch's length is the bucket of its longest text,
    and it is filled with the next texts in order, so only the very last batch has empty rows.
    Skipping the texts of the first k batches of a plan leaves exactly that plan's other
    batches, so a resumed run computes the same batches as an uninterrupted one.

    Args:
      lengths: `[num_texts]` token counts (each at most max_length).
      batch_size: rows per batch at max_length.
      max_length: the longest input.
      num_processes: processes feeding the data axis; text i is fed by process i % num_processes.
      multiple: rows are rounded to a multiple of this (the data-axis size; a multiple of
        num_processes).
      buckets: padded lengths to use; default `default_buckets(max_length)`.
      skip: `[num_texts]` bool, texts already done (a resumed run); default none.
    """
    lengths = np.asarray(lengths)
    if batch_size < 1 or max_length < 1:
        raise AlignscopeError(f"batch_size ({batch_size}) and max_length ({max_length}) must be positive")
    if multiple % num_processes:
        raise AlignscopeError(f"the data axis ({multiple}) must be a multiple of the process count ({num_processes})")
    buckets = np.asarray(sorted(buckets or default_buckets(max_length)))
    if lengths.size and lengths.max() > buckets[-1]:
        raise AlignscopeError(f"an input of {lengths.max()} tokens is longer than the largest bucket {buckets[-1]}")
    owner = np.arange(lengths.size) % num_processes
    queues = []
    for process in range(num_processes):
        mine = np.flatnonzero((owner == process) & ~skip) if skip is not None else np.flatnonzero(owner == process)
        queues.append(mine[np.argsort(-lengths[mine], kind="stable")])
    heads = [0] * num_processes
    batches = []
    while any(head < len(queue) for head, queue in zip(heads, queues)):
        longest = max(lengths[queue[head]] for head, queue in zip(heads, queues) if head < len(queue))
        length = int(buckets[np.searchsorted(buckets, longest)])
        rows = rows_for_length(length, batch_size, max_length, multiple)
        per_process = rows // num_processes
        batches.append(Batch(length, rows, tuple(queue[head:head + per_process] for head, queue in zip(heads, queues))))
        heads = [head + per_process for head in heads]
    return batches


def padding_efficiency(lengths: np.ndarray, batches: list[Batch]) -> float:
    """Returns real tokens / padded tokens over `batches` (empty filler rows count as padding).

    Args:
      lengths: `[num_texts]` token counts of all texts; only those in `batches` are counted.
    """
    padded = sum(batch.rows * batch.length for batch in batches)
    real = sum(int(np.asarray(lengths)[batch.all_items()].sum()) for batch in batches)
    return real / padded if padded else 1.0


def compiled_shapes(batches: list[Batch]) -> int:
    """Returns how many distinct (rows, length) shapes, hence compilations, the batches need."""
    return len({(batch.rows, batch.length) for batch in batches})


def padded_inputs(encoded: list[EncodedText], rows: int, length: int, pooling_name: str,
                  pad_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Returns right-padded `input_ids`, `attention_mask` and pooling weights, each `[rows, length]`;
    rows past the given inputs are empty (all mask 0, all weight 0)."""
    ids = np.full((rows, length), pad_id, dtype=np.int32)
    mask = np.zeros((rows, length), dtype=np.int32)
    weights = np.zeros((rows, length), dtype=np.float32)
    for row, item in enumerate(encoded):
        ids[row, :len(item.ids)] = item.ids
        mask[row, :len(item.ids)] = 1
        weights[row] = pooling.pooling_weights(item, pooling_name, length)
    return ids, mask, weights
