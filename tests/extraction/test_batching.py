"""The batch schedule: every text once, constant tokens per batch, one compilation per bucket."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignscope import engine
from alignscope.runtime import batching
from alignscope.models import forward
from alignscope.runtime.encoding import EncodedText
from tests.extraction.conftest import TEXTS


def test_default_buckets():
    assert batching.default_buckets(512) == (8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
    assert batching.default_buckets(100) == (8, 12, 16, 24, 32, 48, 64, 96, 100)
    assert batching.default_buckets(16) == (8, 12, 16)


@settings(max_examples=40, deadline=None)
@given(lengths=st.lists(st.integers(1, 128), min_size=1, max_size=300), batch_size=st.integers(1, 16),
       processes=st.sampled_from([1, 2, 4]), data_factor=st.sampled_from([1, 2]), pack=st.booleans())
def test_plan_covers_every_text_once(lengths, batch_size, processes, data_factor, pack):
    lengths = np.array(lengths)
    multiple = processes * data_factor
    plan = batching.plan_batches(lengths, batch_size, 128, processes, multiple, pack=pack)
    seen = np.concatenate([batch.all_items() for batch in plan])
    np.testing.assert_array_equal(np.sort(seen), np.arange(lengths.size))
    for batch in plan:
        assert batch.rows % multiple == 0
        full = batching.rows_for_length(batch.length, batch_size, 128, multiple)
        assert batch.rows == full or (batch is plan[-1] and batch.rows < full)
        assert batch.rows * batch.length <= max(batch_size * 128, multiple * batch.length)
        assert batch.segments == batching.segments_per_row(batch.length, lengths, pack)
        for process, slots in enumerate(batch.slots):
            assert slots.shape == (batch.rows // processes, batch.segments)
            items = batch.items(process)
            assert np.all(items % processes == process)  # each process feeds only its own texts
            for row in slots:  # a row's texts fill its slots from the first, and fit in it together
                used = row[row >= 0]
                assert np.all(row[:len(used)] >= 0) and lengths[used].sum() <= batch.length
    assert batching.compiled_shapes(plan) <= len(batching.default_buckets(128)) + 1  # + the short last batch


@settings(max_examples=25, deadline=None)
@given(lengths=st.lists(st.integers(1, 64), min_size=1, max_size=120), done_batches=st.integers(0, 5),
       pack=st.booleans())
def test_a_resumed_plan_is_the_rest_of_the_original(lengths, done_batches, pack):
    lengths = np.array(lengths)
    plan = batching.plan_batches(lengths, 2, 64, pack=pack)
    skip = np.zeros(lengths.size, dtype=bool)
    for batch in plan[:done_batches]:
        skip[batch.all_items()] = True
    resumed = batching.plan_batches(lengths, 2, 64, skip=skip, pack=pack)
    assert [(b.length, b.rows, b.segments) for b in resumed] == [(b.length, b.rows, b.segments)
                                                                 for b in plan[done_batches:]]
    for ours, original in zip(resumed, plan[done_batches:]):
        np.testing.assert_array_equal(ours.slots[0], original.slots[0])


def test_packing_fills_rows_with_the_longest_texts_that_fit():
    lengths = np.array([5, 100, 17, 3, 90, 40, 20])
    plan = batching.plan_batches(lengths, batch_size=2, max_length=128, pack=True)
    assert [(batch.length, batch.rows) for batch in plan] == [(128, 2), (128, 1)]
    # Row 0: 100, then the longest that fits in the 28 left (20), then 5, then 3; row 1: 90, then
    # 17 (40 does not fit in 38); the 40 left over starts the next batch, of the same length.
    np.testing.assert_array_equal(plan[0].slots[0][:, :4], [[1, 6, 0, 3], [4, 2, -1, -1]])
    np.testing.assert_array_equal(plan[1].all_items(), [5])


def test_plan_takes_texts_longest_first_and_fills_batches():
    lengths = np.array([5, 100, 17, 3, 90, 40])
    plan = batching.plan_batches(lengths, batch_size=2, max_length=128)
    assert [(batch.length, batch.rows) for batch in plan] == [(128, 2), (48, 4)]  # 4 rows hold the last 4
    np.testing.assert_array_equal(plan[0].all_items(), [1, 4])
    np.testing.assert_array_equal(plan[1].all_items(), [5, 2, 0, 3])  # shorter texts fill the 48 bucket


def test_batch_inputs_number_each_rows_texts_and_restart_their_weights():
    encoded = {7: EncodedText(np.array([1, 5, 6]), 1, 3, False), 2: EncodedText(np.array([1, 9]), 1, 2, False)}
    ids, mask, weights = batching.batch_inputs(encoded, np.array([[7, 2], [-1, -1]]), 8, ["mean"], pad_id=0)
    np.testing.assert_array_equal(ids[0], [1, 5, 6, 1, 9, 0, 0, 0])
    np.testing.assert_array_equal(mask, [[1, 1, 1, 2, 2, 0, 0, 0], [0] * 8])
    np.testing.assert_allclose(weights[0], [[0, .5, .5, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0, 0, 0]])
    assert not weights[1].any()


def test_compilations_at_most_one_per_bucket(tiny_checkpoint):
    directory, _ = tiny_checkpoint
    model, tokenizer = engine.load_model(directory), engine.load_tokenizer(directory)
    texts = [TEXTS[i % len(TEXTS)] * (1 + i % 3) for i in range(60)]
    before = forward.pooled._cache_size()
    result = engine.run_extraction(model, tokenizer, texts, batch_size=4, max_length=96)
    compiled = forward.pooled._cache_size() - before
    used_buckets = result.stats.compiled_shapes
    assert compiled <= used_buckets <= len(batching.default_buckets(96)) + 1  # + the short last batch
    assert result.stats.batches > used_buckets  # several batches share each compiled shape
    assert 0 < result.stats.padding_efficiency <= 1


def test_padding_efficiency_counts_filler_rows():
    plan = batching.plan_batches(np.array([16, 16, 16]), batch_size=4, max_length=16, multiple=2)
    assert [batch.rows for batch in plan] == [4]  # 2 rows cannot hold 3 texts; 4 leave one empty
    assert batching.padding_efficiency(np.array([16, 16, 16]), plan) == pytest.approx(48 / 64)
