"""One layer (n=2000, d=4096, float32) of the kernels benchmark: what each Gram-first choice gives
against the alternative it replaced, min of 3 after warm-up. Run: PYTHONPATH=. python benchmarks/ablate_kernels.py"""
import time, numpy as np, jax, jax.numpy as jnp
from alignscope.experiments.benchmark_kernels import FULL, activations
from alignscope.kernels import eigen, gram, gram_metrics, gram_separation
X, y = activations(FULL, 0, 32)
Xj = jnp.asarray(X)
def t(f, r=3):
    jax.block_until_ready(f()); best = 1e9
    for _ in range(r):
        s = time.perf_counter(); jax.block_until_ready(f()); best = min(best, time.perf_counter() - s)
    return best
fused = jax.jit(lambda a: (lambda c: c @ c.T)(a - a.mean(0)))
barrier_full = jax.jit(lambda a: gram.gram_core(a, blocks=1))
tiles = jax.jit(gram.gram_core)
Xc = X - X.mean(0)
print("Gram: XLA fused centring+dot %.3f | barrier, one dot %.3f | barrier, 4-block lower triangle %.3f | numpy centring + Xc@Xc.T %.3f | numpy Xc@Xc.T alone %.3f" % (
    t(lambda: fused(Xj)), t(lambda: barrier_full(Xj)), t(lambda: tiles(Xj)), t(lambda: (lambda c: c @ c.T)(X - X.mean(0))), t(lambda: Xc @ Xc.T)))
K = tiles(Xj)
tol = eigen.default_tolerance(jnp.float32)
top = jax.jit(lambda K: eigen.top_core(K, 10, tol))
full = jax.jit(lambda K: jnp.linalg.eigh(K))
e = top(K)
print("eigenpairs: top-10 subspace iteration %.3f (%d steps) | full eigh %.3f" % (t(lambda: top(K)), int(e.steps), t(lambda: full(K), 1)))
Y = jnp.asarray(y[None], jnp.float32)
c = gram_metrics.contrast(Y)
fisher = jax.jit(lambda K, e: gram_metrics.fisher_ledoit_wolf(K, e, c, 4096, tol / 10))
def chol(K, e):
    # the same kind of solve, (a I + b K) x = u by Cholesky instead of CG (λ fixed at 0.1: timing only)
    U = c.unit.T; T = K @ U; kappa = jnp.sum(U * T, 0)
    lam = 0.1; a = lam * (jnp.trace(K) - kappa) / (1998 * 4096); b = (1 - lam) / 1998
    L = jnp.linalg.cholesky(a * jnp.eye(2000) + b * K)
    x = jax.scipy.linalg.cho_solve((L, True), U)
    return c.scale * jnp.sum(T * x, 0) / (a * jnp.sum(U * x, 0))
cholj = jax.jit(chol)
print("Fisher solve: deflated CG %.4f | Cholesky %.4f" % (t(lambda: fisher(K, e)), t(lambda: cholj(K, e))))
P = jnp.asarray(np.random.default_rng(0).standard_normal((2000, 20), dtype=np.float32))
qr = jax.jit(lambda P: jnp.linalg.qr(P)[0]); svqb = jax.jit(eigen.orthonormal)
print("orthonormalise [2000, 20]: XLA QR %.4f | SVQB %.4f | numpy QR %.4f" % (t(lambda: qr(P)), t(lambda: svqb(P)), t(lambda: np.linalg.qr(np.asarray(P)))))
