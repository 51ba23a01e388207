"""One forward pass pooled several ways (`run_extractions`): each pooling equals its own
single-pooling extraction and is its own store entry, so reruns, and single runs of any of
the poolings, read it without running the model."""

from __future__ import annotations

import numpy as np
import pytest

from alignscope import engine
from alignscope.errors import AlignscopeError
from alignscope.runtime import run_extractions
from tests.extraction.test_store import CORPUS

POOLINGS = ("last-2", "last-1", "last", "mean")


def _specs(poolings=POOLINGS, **options):
    return [engine.ExtractionSpec(pooling=pooling, layers=(1, 2), max_length=96, chat_template=True, batch_size=4,
                                  **options) for pooling in poolings]


def test_one_pass_equals_one_pass_per_pooling_and_reruns_read_the_store(tiny_checkpoint, tmp_path):
    model, tokenizer = engine.load_model(tiny_checkpoint[0]), engine.load_tokenizer(tiny_checkpoint[0])
    together = run_extractions(model, tokenizer, CORPUS, _specs(), store=tmp_path / "store")
    assert [result.stats.computed_texts for result in together] == [len(CORPUS)] * len(POOLINGS)
    assert len({result.store_dir for result in together}) == len(POOLINGS)
    for spec, result in zip(_specs(), together):
        alone = engine.extract(model, tokenizer, CORPUS, spec)  # in memory: its own forward pass
        np.testing.assert_allclose(result.activations, alone, rtol=1e-5, atol=1e-5)
        stored = engine.run_extraction(model, tokenizer, CORPUS, spec, store=tmp_path / "store")
        assert stored.stats.computed_texts == 0 and stored.store_dir == result.store_dir
    again = run_extractions(model, tokenizer, CORPUS, _specs(), store=tmp_path / "store")
    assert [result.stats.computed_texts for result in again] == [0] * len(POOLINGS)
    in_memory = run_extractions(model, tokenizer, CORPUS, _specs())
    for stored, kept in zip(together, in_memory):
        np.testing.assert_array_equal(np.asarray(stored.activations), kept.activations)


def test_only_the_missing_poolings_are_computed(tiny_checkpoint, tmp_path):
    model, tokenizer = engine.load_model(tiny_checkpoint[0]), engine.load_tokenizer(tiny_checkpoint[0])
    last = engine.run_extraction(model, tokenizer, CORPUS, _specs(["last"])[0], store=tmp_path)
    both = run_extractions(model, tokenizer, CORPUS, _specs(["last-1", "last"]), store=tmp_path)
    assert [result.stats.computed_texts for result in both] == [len(CORPUS), 0]
    np.testing.assert_array_equal(np.asarray(both[1].activations), np.asarray(last.activations))


def test_specs_must_differ_only_in_pooling(tiny_checkpoint):
    model, tokenizer = engine.load_model(tiny_checkpoint[0]), engine.load_tokenizer(tiny_checkpoint[0])
    with pytest.raises(AlignscopeError, match="differ only in pooling"):
        run_extractions(model, tokenizer, CORPUS, _specs(["last"]) + _specs(["mean"], packing=False))
    with pytest.raises(AlignscopeError, match="asked for twice"):
        run_extractions(model, tokenizer, CORPUS, _specs(["last", "last"]))
