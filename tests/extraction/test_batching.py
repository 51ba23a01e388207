"""The batch schedule: every text once, constant tokens per batch, one compilation per bucket."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine import batching
from engine import model as model_module
from tests.extraction.conftest import TEXTS


def test_default_buckets():
    assert batching.default_buckets(512) == (8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
    assert batching.default_buckets(100) == (8, 12, 16, 24, 32, 48, 64, 96, 100)
    assert batching.default_buckets(16) == (8, 12, 16)


@settings(max_examples=40, deadline=None)
@given(lengths=st.lists(st.integers(1, 128), min_size=1, max_size=300),
       batch_size=st.integers(1, 16), processes=st.sampled_from([1, 2, 4]), data_factor=st.sampled_from([1, 2]))
def test_plan_covers_every_text_once(lengths, batch_size, processes, data_factor):
    lengths = np.array(lengths)
    multiple = processes * data_factor
    plan = batching.plan_batches(lengths, batch_size, 128, processes, multiple)
    seen = np.concatenate([batch.all_items() for batch in plan])
    np.testing.assert_array_equal(np.sort(seen), np.arange(lengths.size))
    for batch in plan:
        assert batch.rows % multiple == 0
        assert batch.rows == batching.rows_for_length(batch.length, batch_size, 128, multiple)
        assert batch.rows * batch.length <= max(batch_size * 128, multiple * batch.length)
        for process, items in enumerate(batch.items):
            assert len(items) <= batch.rows // processes
            assert np.all(items % processes == process)  # each process feeds only its own texts
            assert np.all(lengths[items] <= batch.length)
    assert len({batch.length for batch in plan}) <= len(batching.default_buckets(128))


def test_plan_takes_texts_longest_first_and_fills_batches():
    lengths = np.array([5, 100, 17, 3, 90, 40])
    plan = batching.plan_batches(lengths, batch_size=2, max_length=128)
    assert [(batch.length, batch.rows) for batch in plan] == [(128, 2), (48, 5)]
    np.testing.assert_array_equal(plan[0].all_items(), [1, 4])
    np.testing.assert_array_equal(plan[1].all_items(), [5, 2, 0, 3])  # shorter texts fill the 48 bucket


def test_compilations_at_most_one_per_bucket(tiny_checkpoint):
    directory, _ = tiny_checkpoint
    model, tokenizer = engine.load_model(directory), engine.load_tokenizer(directory)
    texts = [TEXTS[i % len(TEXTS)] * (1 + i % 3) for i in range(60)]
    before = model_module._pooled._cache_size()
    result = engine.run_extraction(model, tokenizer, texts, batch_size=4, max_length=96)
    compiled = model_module._pooled._cache_size() - before
    used_buckets = result.stats.compiled_shapes
    assert compiled <= used_buckets <= len(batching.default_buckets(96))
    assert result.stats.batches > used_buckets  # several batches share each compiled shape
    assert 0 < result.stats.padding_efficiency <= 1


def test_padding_efficiency_counts_filler_rows():
    plan = batching.plan_batches(np.array([16, 16, 16]), batch_size=2, max_length=16)
    assert [batch.rows for batch in plan] == [2, 2]
    assert batching.padding_efficiency(np.array([16, 16, 16]), plan) == pytest.approx(48 / 64)
