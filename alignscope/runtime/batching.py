"""The batch schedule: sort by length, pad to a few fixed length buckets, constant tokens per batch.

A bucket of length T gets floor(batch_size * max_length / T) rows, rounded down to a multiple of
the data-axis size, so every batch holds about the same number of tokens and each bucket is one
compiled shape: a run compiles about once per bucket. Batches are cut from the texts in
descending length, so a batch may finish with texts of the next shorter bucket instead of
empty rows; the run's last batch has the fewest rows that hold what is left. With packing, a
row holds several texts back to back, each attending only to itself and to the first tokens all
texts share, which run once per row (`batch_inputs`).

Multi-host: text i belongs to process i % num_processes, which tokenizes and feeds it. The plan
is computed from the lengths of all texts (gathered from every process), identically on every
process, so all processes run the same sequence of global batches and collectives line up.
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from alignscope.errors import AlignscopeError
from alignscope.runtime import pooling
from alignscope.runtime.encoding import EncodedText

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
    """One global batch: `rows` rows of `length` tokens, each holding up to `segments` texts back to back.

    Attributes:
      length: the padded length T of every row.
      rows: global rows (fixed per bucket); rows beyond the real texts are empty.
      segments: text slots per row (1 without packing; fixed per bucket).
      slots: per process, `[rows // num_processes, segments]` int64: the index (into all texts) of
        the text in each slot of each of its rows, -1 for an empty slot. A row's texts lie in
        slot order from its first position.
    """

    length: int
    rows: int
    segments: int
    slots: tuple[np.ndarray, ...]

    def items(self, process: int) -> np.ndarray:
        """Returns the indices of the texts `process` feeds, in slot order (row-major)."""
        flat = self.slots[process].ravel()
        return flat[flat >= 0]

    def all_items(self) -> np.ndarray:
        """Returns the indices of every text in the batch, all processes together."""
        return np.concatenate([self.items(process) for process in range(len(self.slots))])


def segments_per_row(length: int, lengths: np.ndarray, pack: bool) -> int:
    """Returns the text slots of a row of `length` tokens: 1 without packing; with packing about
    twice as many texts of median length as fit (bounded by what the shortest text allows), so
    the pooled output per batch stays near the number of texts it holds.

    Args:
      lengths: `[num_texts]` token counts of all the run's texts (resumed runs included, so a
        resumed plan matches the original).
    """
    if not pack or lengths.size == 0:
        return 1
    by_median = -(-2 * length // max(1, int(np.median(lengths))))
    return int(max(1, min(length // max(1, int(lengths.min())), by_median)))


class _Pool:
    """One process's texts not yet planned, sorted by length, taking longest-that-fits first."""

    def __init__(self, texts: np.ndarray, lengths: np.ndarray):
        # Ascending by length, ties by descending index, so the last of equals is the lowest index.
        order = np.lexsort((-texts, lengths[texts]))
        self.texts = texts[order].tolist()
        self.lengths = lengths[texts][order].tolist()

    def __bool__(self) -> bool:
        return bool(self.texts)

    def longest(self) -> int:
        return self.lengths[-1]

    def fill_row(self, length: int, segments: int) -> list[int]:
        """Removes and returns the texts of one row: the longest remaining text, then the longest
        that still fits, until `length` tokens or `segments` texts are reached."""
        row, space = [], length
        while len(row) < segments:
            position = bisect.bisect_right(self.lengths, space) - 1
            if position < 0:
                break
            space -= self.lengths.pop(position)
            row.append(self.texts.pop(position))
        return row


def _fill(pools: list[_Pool], rows: int, length: int, segments: int) -> tuple[tuple[np.ndarray, ...], bool]:
    """Takes `rows` rows of texts from each process's pool; returns (per process `[rows, segments]`
    text indices, -1 where empty; whether every pool is now empty)."""
    slots = []
    for pool in pools:
        mine = np.full((rows, segments), -1, dtype=np.int64)
        for row in range(rows):
            texts = pool.fill_row(length, segments)
            mine[row, :len(texts)] = texts
        slots.append(mine)
    return tuple(slots), not any(pools)


def plan_batches(lengths: np.ndarray, batch_size: int, max_length: int, num_processes: int = 1,
                 multiple: int = 1, buckets: tuple[int, ...] | None = None,
                 skip: np.ndarray | None = None, pack: bool = False) -> list[Batch]:
    """Returns the batches covering every text not skipped, longest first (out-of-memory shows early).

    Each batch is cut from the texts not yet planned: its length is the bucket of the longest of
    them (with `pack`, of the run's longest text), and each of its rows takes the longest
    remaining text, then (with `pack`) the longest that still fits, until the row is full or
    holds `segments_per_row` texts. A batch depends
    only on the texts left, so skipping the texts of a plan's first k batches leaves exactly that
    plan's other batches: a resumed run computes the same batches as an uninterrupted one.

    Args:
      lengths: `[num_texts]` token counts (each at most max_length).
      batch_size: rows per batch at max_length.
      max_length: the longest input.
      num_processes: processes feeding the data axis; text i is fed by process i % num_processes.
      multiple: rows are rounded to a multiple of this (the data-axis size; a multiple of
        num_processes).
      buckets: padded lengths to use; default `default_buckets(max_length)`.
      skip: `[num_texts]` bool, texts already done (a resumed run); default none.
      pack: put several texts in a row, each attending only to itself (`packed_inputs`).
    """
    lengths = np.asarray(lengths)
    if batch_size < 1 or max_length < 1:
        raise AlignscopeError(f"batch_size ({batch_size}) and max_length ({max_length}) must be positive")
    if multiple % num_processes:
        raise AlignscopeError(f"the data axis ({multiple}) must be a multiple of the process count ({num_processes})")
    buckets = np.asarray(sorted(buckets or default_buckets(max_length)))
    if lengths.size and lengths.max() > buckets[-1]:
        raise AlignscopeError(f"an input of {lengths.max()} tokens is longer than the largest bucket {buckets[-1]}")
    todo = np.ones(lengths.size, dtype=bool) if skip is None else ~np.asarray(skip, dtype=bool)
    owner = np.arange(lengths.size) % num_processes
    pools = [_Pool(np.flatnonzero((owner == process) & todo), lengths) for process in range(num_processes)]
    batches = []
    while any(pools):
        # Packed rows all take the bucket of the run's longest text (resumed runs included): long
        # rows pack tightly, and the attention they spend across texts is masked, small work.
        longest = lengths.max() if pack else max(pool.longest() for pool in pools if pool)
        length = int(buckets[np.searchsorted(buckets, longest)])
        rows = rows_for_length(length, batch_size, max_length, multiple)
        segments = segments_per_row(length, lengths, pack)
        # The last batch gets the fewest rows (the data-axis size times a power of two) that hold
        # every text left: at most one more compiled shape, instead of a batch of empty rows.
        fewer = multiple if sum(sum(pool.lengths) for pool in pools) <= rows * length else rows
        while fewer < rows and not _fill(copy.deepcopy(pools), fewer // num_processes, length, segments)[1]:
            fewer *= 2
        slots, _ = _fill(pools, min(fewer, rows) // num_processes, length, segments)
        batches.append(Batch(length, min(fewer, rows), segments, slots))
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


def batch_inputs(encoded: Mapping[int, EncodedText], slots: np.ndarray, length: int, poolings: Sequence[str],
                 pad_id: int, prefix: np.ndarray = np.zeros(0, np.int32)) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Returns one batch's model inputs: `input_ids` and `attention_mask` `[rows, P + length]` int32
    and pooling weights `[rows, segments * len(poolings), P + length]` float32, text-major: the
    weights of slot s under pooling j are row `s * len(poolings) + j` (one pass pools every way).

    A row holds the `P` tokens of `prefix` (mask -1; `encoding.shared_prefix`, every text's first
    tokens, run once per row), then its texts' other tokens back to back; the mask holds each
    token's segment (1 for the row's first text, 2 for its second, ...; 0 for padding), so a token
    attends only within its own text and the prefix, and positions restart per text after the
    prefix. A text's pooling weights cover the prefix positions it reads. Empty slots and rows have
    all-zero weights.

    Args:
      encoded: the encoded texts by index, each beginning with `prefix`.
      slots: `[rows, segments]` text indices, -1 for an empty slot (`Batch.slots`).
      length: the tokens of a row after the prefix (`Batch.length`).
      poolings: the poolings (`runtime.pooling`) of every text, in output order.
      prefix: `[P]` the shared prefix; empty for none.
    """
    rows, segments = slots.shape
    shared = len(prefix)
    ids = np.full((rows, shared + length), pad_id, dtype=np.int32)
    mask = np.zeros((rows, shared + length), dtype=np.int32)
    weights = np.zeros((rows, segments, len(poolings), shared + length), dtype=np.float32)
    filled = np.flatnonzero((slots >= 0).any(axis=1))
    ids[filled, :shared] = prefix
    mask[filled, :shared] = -1
    for row, segment in zip(*np.nonzero(slots >= 0)):
        item = encoded[int(slots[row, segment])]
        start = shared + int(np.count_nonzero(mask[row] > 0))
        end = start + len(item.ids) - shared
        ids[row, start:end] = item.ids[shared:]
        mask[row, start:end] = segment + 1
        for index, name in enumerate(poolings):
            text_weights = pooling.pooling_weights(item, name, len(item.ids))
            weights[row, segment, index, :shared] = text_weights[:shared]
            weights[row, segment, index, start:end] = text_weights[shared:]
    return ids, mask, weights.reshape(rows, segments * len(poolings), shared + length)
