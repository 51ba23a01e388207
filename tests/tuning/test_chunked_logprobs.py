"""The LM head runs on chunks of positions: chunked and whole give the same log-probabilities and
gradients, and no `[batch, seq, vocab]` array longer than one chunk exists in the traced program
(forward or backward); the scanned block is rematerialised in training. Training's packed form
(the LM head on the scored tokens only) gives what the dense form gives, empty slots and all."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from alignscope import engine
from alignscope.errors import AlignscopeError
from alignscope.runtime.logprobs import masked_sums, packed_sums, scored_positions, token_logprobs
from alignscope.models.forward import merged
from tests.models.hf_reference import padded_batch

BATCH, CHUNK = 3, 5


def _inputs(vocab: int):
    rng = np.random.default_rng(0)
    ids, mask = padded_batch([rng.integers(1, vocab, n).tolist() for n in (23, 9, 17)], "left")
    scored = mask.astype(bool) & (np.arange(ids.shape[1]) % 3 != 0)
    return ids, mask, scored


def _sums(graphdef, params, ids, mask, scored, *, seq_chunk: int, remat: bool):
    module = merged(graphdef, params, jnp.float32)
    logprobs = token_logprobs(module, ids, mask, remat=remat, seq_chunk=seq_chunk)
    return jnp.sum(jnp.where(scored, logprobs, 0.0))


def _equations(jaxpr) -> list:
    """Every equation of `jaxpr` and of the jaxprs nested in it."""
    found = []
    for eqn in jaxpr.eqns:
        found.append(eqn)
        for param in eqn.params.values():
            for sub in (param if isinstance(param, (list, tuple)) else [param]):
                inner = getattr(sub, "jaxpr", sub)
                if hasattr(inner, "eqns"):
                    found += _equations(inner)
    return found


def _primitives(jaxpr) -> set[str]:
    return {eqn.primitive.name for eqn in _equations(jaxpr)}


def test_chunks_equal_whole_in_values_and_gradients(tiny):
    model = engine.load_model(tiny[0])
    vocab = model.config.vocab_size
    ids, mask, scored = _inputs(vocab)
    grad = lambda chunk: jax.jit(jax.value_and_grad(functools.partial(_sums, model.graphdef, seq_chunk=chunk,
                                                                      remat=True)))
    chunked_value, chunked_grads = grad(CHUNK)(model.params, ids, mask, scored)
    whole_value, whole_grads = grad(10_000)(model.params, ids, mask, scored)
    np.testing.assert_allclose(float(chunked_value), float(whole_value), rtol=1e-6)
    for a, b in zip(jax.tree.leaves(chunked_grads), jax.tree.leaves(whole_grads)):
        # float32: summing in another order moves near-cancelling entries by up to ~1e-6 of the
        # leaf's largest entry (seen: 2.3e-6 on a leaf of scale 3), so the bound is relative to it.
        scale = float(np.max(np.abs(np.asarray(b))))
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-5 * scale)


def test_no_full_logits_in_the_training_program(tiny):
    model = engine.load_model(tiny[0])
    vocab = model.config.vocab_size
    ids, mask, scored = _inputs(vocab)
    loss = functools.partial(_sums, model.graphdef, seq_chunk=CHUNK, remat=True)
    jaxpr = jax.make_jaxpr(jax.value_and_grad(loss))(model.params, ids, mask, scored).jaxpr
    shapes = [tuple(var.aval.shape) for eqn in _equations(jaxpr) for var in eqn.outvars if hasattr(var.aval, "shape")]
    vocab_arrays = [shape for shape in shapes if len(shape) == 3 and shape[-1] == vocab]
    assert vocab_arrays, "the chunked logits should be in the program"
    assert max(shape[1] for shape in vocab_arrays) == CHUNK, sorted(set(vocab_arrays))
    # The scan over layers runs its step under jax.checkpoint (remat2): each block is recomputed
    # in the backward pass instead of its activations being kept.
    layer_scans = [eqn for eqn in _equations(jax.make_jaxpr(loss)(model.params, ids, mask, scored).jaxpr)
                   if eqn.primitive.name == "scan" and eqn.params["length"] == model.config.num_layers]
    assert len(layer_scans) == 1 and "remat2" in _primitives(layer_scans[0].params["jaxpr"].jaxpr)


@pytest.mark.parametrize("side,shards", [("left", 1), ("right", 1), ("right", 3)])
def test_packed_sums_equal_dense_sums_in_values_and_gradients(tiny, side, shards):
    """One shard (one device), or three (a data axis of 3: each gathers from its own row)."""
    model = engine.load_model(tiny[0])
    rng = np.random.default_rng(1)
    ids, mask = padded_batch([rng.integers(1, model.config.vocab_size, n).tolist() for n in (23, 9, 17)], side)
    scored = mask.astype(bool) & (rng.random(ids.shape) < 0.5)
    scored[:, 0] = False
    capacity = max(int(part.sum()) for part in np.split(scored, shards)) + 7  # empty slots in every shard
    positions = scored_positions(scored, capacity, shards)
    assert positions.shape == (shards, capacity) and (positions == -1).sum() == shards * capacity - scored.sum()

    def dense(params):
        return masked_sums(merged(model.graphdef, params, jnp.float32), ids, mask, scored, remat=True)

    def packed(params):
        return packed_sums(merged(model.graphdef, params, jnp.float32), ids, mask, positions, remat=True, chunk=CHUNK)

    np.testing.assert_allclose(np.asarray(jax.jit(packed)(model.params)), np.asarray(jax.jit(dense)(model.params)),
                               rtol=1e-6, atol=1e-5)
    grad = lambda f: jax.jit(jax.grad(lambda p: jnp.sum(f(p) * jnp.arange(1.0, 4.0))))(model.params)
    for a, b in zip(jax.tree.leaves(grad(packed)), jax.tree.leaves(grad(dense))):
        scale = float(np.max(np.abs(np.asarray(b))))
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-5 * scale)


def test_scored_positions_refuses_what_it_cannot_pack():
    scored = np.zeros((2, 4), bool)
    scored[1, 2:] = True
    np.testing.assert_array_equal(scored_positions(scored, 3), [[6, 7, -1]])
    np.testing.assert_array_equal(scored_positions(scored, 2, shards=2), [[-1, -1], [2, 3]])  # shard-local rows
    with pytest.raises(AlignscopeError, match="do not fit"):
        scored_positions(scored, 1)
    scored[0, 0] = True
    with pytest.raises(AlignscopeError, match="first token"):
        scored_positions(scored, 8)
