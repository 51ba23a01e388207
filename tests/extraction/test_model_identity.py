"""A model's identity is its weights' content: edited models never share their parent's store
entry, checkpoints are keyed without reading their weights, and layer indices are normalised."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from alignscope import engine
from alignscope.errors import AlignscopeError
from alignscope.models import identity
from tests.extraction.conftest import TEXTS

CORPUS = TEXTS[:6]


def test_a_model_edited_in_memory_gets_its_own_store_entry(tiny_checkpoint, tmp_path):
    model, tokenizer = engine.load_model(tiny_checkpoint[0]), engine.load_tokenizer(tiny_checkpoint[0])
    edited = model.with_params(jax.tree.map(lambda p: 0.5 * p, model.params))
    a = engine.run_extraction(model, tokenizer, CORPUS, max_length=64, store=tmp_path)
    b = engine.run_extraction(edited, tokenizer, CORPUS, max_length=64, store=tmp_path)
    assert edited.identity != model.identity and a.store_dir != b.store_dir
    assert b.stats.computed_texts == len(CORPUS)
    np.testing.assert_allclose(b.activations, engine.extract(edited, tokenizer, CORPUS, max_length=64), atol=0)
    assert not np.allclose(a.activations, b.activations)


def test_one_changed_element_changes_the_params_digest():
    model = engine.init_model({"architectures": ["LlamaForCausalLM"], "vocab_size": 50, "hidden_size": 16,
                               "intermediate_size": 24, "num_hidden_layers": 2, "num_attention_heads": 4})
    params = model.params
    down = params["layers"]["mlp"]["down_proj"]
    bumped = jax.tree.map(lambda p: p, params)
    bumped["layers"]["mlp"]["down_proj"] = down.replace(down[...].at[1, 3, 7].add(1e-7))
    assert identity.params_fingerprint(bumped) != identity.params_fingerprint(params)
    assert identity.params_fingerprint(jax.tree.map(lambda p: p + 0, params)) == identity.params_fingerprint(params)


def test_a_stored_extraction_never_reads_the_weights(tiny_checkpoint, tmp_path):
    directory = tiny_checkpoint[0]
    tokenizer = engine.load_tokenizer(directory)
    first = engine.run_extraction(engine.load_model(directory), tokenizer, CORPUS, max_length=64, store=tmp_path)
    model = engine.load_model(directory)
    again = engine.run_extraction(model, tokenizer, CORPUS, max_length=64, store=tmp_path)
    assert again.stats.computed_texts == 0 and "params" not in model.__dict__
    np.testing.assert_array_equal(first.activations, again.activations)


def test_with_params_checks_structure_and_shapes(tiny_checkpoint):
    model = engine.load_model(tiny_checkpoint[0])
    params = jax.tree.map(lambda p: p, model.params)
    embed = params["embed"]
    params["embed"] = embed.replace(embed[...][:-1])
    with pytest.raises(AlignscopeError, match=r"parameter .*embed.* has shape"):
        model.with_params(params)


def test_pooled_hidden_states_normalises_negative_layers(tiny_checkpoint):
    model = engine.load_model(tiny_checkpoint[0])  # 2 blocks: hidden states 0, 1, 2
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 50, size=(2, 5))
    mask = np.ones_like(ids)
    weights = np.full((2, 5), 0.2, dtype=np.float32)
    every = np.asarray(model.pooled_hidden_states(ids, mask, weights))
    np.testing.assert_array_equal(np.asarray(model.pooled_hidden_states(ids, mask, weights, layers=(-1,))), every[:, [2]])
    np.testing.assert_array_equal(np.asarray(model.pooled_hidden_states(ids, mask, weights, layers=(-2, 0))),
                                  every[:, [1, 0]])
    with pytest.raises(AlignscopeError, match="layer 3 does not exist"):
        model.pooled_hidden_states(ids, mask, weights, layers=(3,))
