"""One layer (n=2000, d=4096, float32) of the kernels benchmark: what each Gram-first choice gives
against the alternative it replaced, min of 3 after warm-up (BENCHMARKS.md, "What each
optimisation gave"). Prints one line per choice, in seconds.

    python -m alignscope.experiments.benchmarks.ablate_kernels
"""

from __future__ import annotations

import time
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from alignscope.experiments.benchmarks.kernels import FULL, activations
from alignscope.kernels import eigen, gram, gram_metrics


def fastest(f: Callable[[], object], repeats: int = 3) -> float:
    """Seconds of the fastest of `repeats` calls of `f`, after one warm-up call."""
    jax.block_until_ready(f())
    best = 1e9
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(f())
        best = min(best, time.perf_counter() - start)
    return best


def cholesky_fisher(K, contrast):
    """The Fisher solve's kind of system, `(a I + b K) x = u`, by Cholesky instead of deflated CG
    (shrinkage fixed at 0.1: for timing only)."""
    U = contrast.unit.T
    T = K @ U
    kappa = jnp.sum(U * T, 0)
    lam = 0.1
    a = lam * (jnp.trace(K) - kappa) / (1998 * 4096)
    b = (1 - lam) / 1998
    L = jnp.linalg.cholesky(a * jnp.eye(2000) + b * K)
    x = jax.scipy.linalg.cho_solve((L, True), U)
    return contrast.scale * jnp.sum(T * x, 0) / (a * jnp.sum(U * x, 0))


def main() -> None:
    X, y = activations(FULL, 0, 32)
    Xj = jnp.asarray(X)
    fused = jax.jit(lambda a: (lambda c: c @ c.T)(a - a.mean(0)))
    barrier_full = jax.jit(lambda a: gram.gram_core(a, blocks=1))
    tiles = jax.jit(gram.gram_core)
    Xc = X - X.mean(0)
    print("Gram: XLA fused centring+dot %.3f | barrier, one dot %.3f | barrier, 4-block lower triangle %.3f | "
          "numpy centring + Xc@Xc.T %.3f | numpy Xc@Xc.T alone %.3f" % (
              fastest(lambda: fused(Xj)), fastest(lambda: barrier_full(Xj)), fastest(lambda: tiles(Xj)),
              fastest(lambda: (lambda c: c @ c.T)(X - X.mean(0))), fastest(lambda: Xc @ Xc.T)))

    K = tiles(Xj)
    tol = eigen.default_tolerance(jnp.float32)
    top = jax.jit(lambda K: eigen.top_core(K, 10, tol))
    full = jax.jit(lambda K: jnp.linalg.eigh(K))
    e = top(K)
    print("eigenpairs: top-10 subspace iteration %.3f (%d steps) | full eigh %.3f" % (
        fastest(lambda: top(K)), int(e.steps), fastest(lambda: full(K), 1)))

    contrast = gram_metrics.contrast(jnp.asarray(y[None], jnp.float32))
    fisher = jax.jit(lambda K, e: gram_metrics.fisher_ledoit_wolf(K, e, contrast, 4096, tol / 10))
    cholesky = jax.jit(lambda K: cholesky_fisher(K, contrast))
    print("Fisher solve: deflated CG %.4f | Cholesky %.4f" % (fastest(lambda: fisher(K, e)),
                                                              fastest(lambda: cholesky(K))))

    P = jnp.asarray(np.random.default_rng(0).standard_normal((2000, 20), dtype=np.float32))
    qr = jax.jit(lambda P: jnp.linalg.qr(P)[0])
    svqb = jax.jit(eigen.orthonormal)
    print("orthonormalise [2000, 20]: XLA QR %.4f | SVQB %.4f | numpy QR %.4f" % (
        fastest(lambda: qr(P)), fastest(lambda: svqb(P)), fastest(lambda: np.linalg.qr(np.asarray(P)))))


if __name__ == "__main__":
    main()
