"""`kernels.host_threads.over_threads`: the same values as one call, in the caller's precision,
with the replicas really split into parts."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from alignscope.kernels import host_threads


@pytest.mark.parametrize("parts,count", [(2, 9), (3, 10), (4, 3)])
def test_parts_give_the_values_of_one_call(monkeypatch, parts, count):
    monkeypatch.setattr(host_threads, "thread_count", lambda: parts)
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(count, 5)), rng.normal(size=(count, 5, 2))
    seen = []

    @jax.jit
    def kernel(a, b):  # [..., R, 5]: replica r's values read only replica r's inputs
        return jnp.stack([a * 2.0, jnp.einsum("rij,rj->ri", b, b[:, :2, 0])], axis=0)

    def fn(a, b):
        seen.append(a.shape[0])
        return kernel(a, b)

    with jax.enable_x64(True):
        got = host_threads.over_threads(fn, (a, b), out_axis=1)
        expected = kernel(a, b)
    assert got.dtype == np.float64  # the caller's x64 setting held in the worker threads
    np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))
    if count >= 2 * parts:  # split into equal parts, padding included
        assert seen == [-(-count // parts)] * parts
    else:  # too few replicas to split
        assert seen == [count]
