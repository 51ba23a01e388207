"""The `kernels` benchmark suite: alignscope's Gram-first kernels against the tools researchers use
(scikit-learn, numpy) on identical synthetic activations, in one process, as ratios.

The workload is one real analysis' shape: two models × `layers` × `n` texts × `d` features, every
separation metric per layer, the layer × layer linear CKA between the two models, and a bootstrap
of the top-10 between-class ratio on one layer. Inputs have the structure of real activations: a
large common offset, a 10-dimensional signal with a spectral gap after it, a weaker 50-dimensional
tail, isotropic noise and a class shift growing with depth.

Timings are seconds after compilation (a warm-up call first); per-layer rows give the median and
the minimum over the layers timed. Peers that take minutes (LDA, and in the full run the
scikit-learn metrics) are timed on a few layers and extrapolated to the whole workload; the table
says so. Accuracy: alignscope's values against float64 numpy/scikit-learn on the layers the
references were computed for, as the largest relative difference.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from alignscope.errors import AlignscopeError
from alignscope.kernels import cka, eigen, gram, gram_separation, pca

METRICS = gram_separation.gram_metric_names()


@dataclasses.dataclass(frozen=True)
class Shape:
    """Attributes: models, layers, n (texts), d (features), replicas (bootstrap), and how many
    layers each slow peer is timed on (`peer_layers`, `lda_layers`) and replicas of the numpy
    bootstrap loop (`peer_replicas`)."""

    models: int
    layers: int
    n: int
    d: int
    replicas: int
    peer_layers: int
    lda_layers: int
    peer_replicas: int


FULL = Shape(models=2, layers=33, n=2000, d=4096, replicas=1000, peer_layers=3, lda_layers=1,
             peer_replicas=10)
QUICK = Shape(models=2, layers=4, n=500, d=1024, replicas=100, peer_layers=2, lda_layers=1,
              peer_replicas=10)


@dataclasses.dataclass(frozen=True)
class KernelsSuiteConfig:
    """The kernels suite's flags.

    Attributes:
      quick: kernels suite: a reduced shape (4 layers x n=500 x d=1024) of a few minutes.
      kernels_shape: kernels suite: layers,n,d,replicas instead of the full or --quick shape.
      sweep: kernels suite: also time the cost per layer over n and d and plot it to this PNG.
    """

    quick: bool = False
    kernels_shape: tuple[str, ...] | None = None
    sweep: str | None = None

    def shape(self) -> Shape:
        """`kernels_shape` as a `Shape` (the slow peers on at most 2 layers and 10 replicas), else
        `QUICK` or `FULL`.

        Raises:
          AlignscopeError: `kernels_shape` is not four integers layers,n,d,replicas with layers >= 1,
            12 <= n < d and replicas >= 1.
        """
        if self.kernels_shape is None:
            return QUICK if self.quick else FULL
        try:
            layers, n, d, replicas = (int(v) for v in self.kernels_shape)
        except ValueError:
            layers = 0
        if layers < 1 or not 12 <= n < d or replicas < 1:
            raise AlignscopeError(f"--kernels_shape={','.join(self.kernels_shape)} is not accepted; use four integers"
                                  " layers,n,d,replicas with layers >= 1, 12 <= n < d, replicas >= 1")
        return dataclasses.replace(QUICK, layers=layers, n=n, d=d, replicas=replicas, peer_layers=min(2, layers),
                                   peer_replicas=min(10, replicas))


def activations(shape: Shape, model: int, layer: int) -> tuple[np.ndarray, np.ndarray]:
    """`X: [n, d]` float32 of one model's layer and labels `y: [n]` (40% harmful)."""
    n, d = shape.n, shape.d
    y = (np.arange(n) % 5 < 2).astype(np.int64)
    shared = np.random.default_rng(0)  # the texts' latent content, the same in every layer
    latent = shared.standard_normal((n, 60), dtype=np.float32)
    offset = 3.0 * shared.standard_normal(d, dtype=np.float32)
    rng = np.random.default_rng(1 + 1000 * model + layer)
    basis = np.linalg.qr(rng.standard_normal((d, 60), dtype=np.float32))[0]
    spectrum = np.r_[np.linspace(40, 20, 10), np.linspace(6, 3, 50)].astype(np.float32)
    X = (latent * spectrum) @ basis.T + offset
    X += rng.standard_normal((n, d), dtype=np.float32)
    depth = (layer + 1) / shape.layers
    shift = (1 + model) * depth * 0.2 * basis[:, 0] + 0.1 * depth * rng.standard_normal(d, dtype=np.float32)
    X[y == 1] += 8.0 * shift
    return X.astype(np.float32), y


def peer_versions() -> dict[str, str]:
    """Versions of the peer libraries, for the result file."""
    import scipy
    import sklearn

    return {"scikit-learn": sklearn.__version__, "scipy": scipy.__version__}


# After a call, OpenBLAS's worker threads spin for about 2^28 cycles (~0.1 s) before they sleep.
# An XLA:CPU call started in that window shares the two cores with them: a 2,000-row Gram ran 18-50%
# slower right after numpy's (6 layers). Where two single kernels are compared, each side starts
# after this pause and keeps the fastest of 3 back-to-back calls (a first call after a pause can
# wait for its own threads to wake).
SETTLE_S = 0.2


def timed(fn: Callable[[], object], repeats: int = 1, settle: bool = False) -> tuple[float, object]:
    """(wall seconds of `fn()` until its arrays are ready, the fastest of `repeats` back-to-back
    calls, after a `SETTLE_S` pause with `settle`; the last call's result)."""
    if settle:
        time.sleep(SETTLE_S)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        out = jax.block_until_ready(fn())
        best = min(best, time.perf_counter() - start)
    return best, out


def _summary(times: list[float], scale: float = 1.0) -> dict:
    return {"median": statistics.median(times) * scale, "min": min(times) * scale, "count": len(times)}


# ---------------------------------------------------------------------------------------------
# Peers: what researchers run today


def peer_pca_metrics(X, y, k):
    """scikit-learn `PCA(k)` then numpy: (EVR of top 2, between top 2, between top k,
    Bhattacharyya top k), and the fitted scores."""
    from sklearn.decomposition import PCA

    Z = PCA(k).fit_transform(X).astype(np.float64)
    return _pca_metrics_from_scores(Z, y, np.sum(np.var(X, axis=0, ddof=1, dtype=np.float64)) * (len(X) - 1))


def _pca_metrics_from_scores(Z, y, total):
    """Metrics of top PC scores `Z: [n, k]` (columns by variance) and total scatter tr(XcᵀXc)."""
    Z = Z - Z.mean(0)
    z0, z1 = Z[y == 0], Z[y == 1]
    scatter = np.sum(Z * Z, axis=0)

    def between(k):
        m0, m1 = z0[:, :k].mean(0), z1[:, :k].mean(0)
        return (len(z0) * m0 @ m0 + len(z1) * m1 @ m1) / scatter[:k].sum()

    C0, C1 = np.cov(z0, rowvar=False), np.cov(z1, rowvar=False)
    C = (C0 + C1) / 2
    delta = z1.mean(0) - z0.mean(0)
    logdet = lambda M: np.linalg.slogdet(M)[1]
    bhattacharyya = delta @ np.linalg.solve(C, delta) / 8 + 0.5 * (logdet(C) - 0.5 * (logdet(C0) + logdet(C1)))
    return np.array([scatter[:2].sum() / total, between(2), between(Z.shape[1]), bhattacharyya])


def _peer_lda(X, y):
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    return LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto").fit(X, y)


def peer_silhouette(X, y):
    from sklearn.metrics import silhouette_score

    return silhouette_score(X, y)


def _numpy_gram(X):
    Xc = X - X.mean(0)
    return Xc @ Xc.T


def _numpy_cka(grams_a, grams_b):
    A = np.stack([g.ravel() for g in grams_a])
    B = np.stack([g.ravel() for g in grams_b])
    return (A @ B.T) / np.sqrt(np.outer(np.sum(A * A, 1), np.sum(B * B, 1)))


def _peer_bootstrap_replica(X, y, idx, k):
    from sklearn.decomposition import PCA

    Z = PCA(k).fit_transform(X[idx]).astype(np.float64)
    Z = Z - Z.mean(0)
    yb = y[idx]
    m0, m1 = Z[yb == 0].mean(0), Z[yb == 1].mean(0)
    return ((yb == 0).sum() * m0 @ m0 + (yb == 1).sum() * m1 @ m1) / np.sum(Z * Z)


# ---------------------------------------------------------------------------------------------
# float64 references


def _reference(X, y):
    """float64 values of `METRICS` on X: exact PCA from the float64 Gram's eigh, Fisher from our
    Ledoit–Wolf definition by Woodbury, scikit-learn's silhouette."""
    import scipy.linalg
    from sklearn.covariance import ledoit_wolf_shrinkage
    from sklearn.metrics import silhouette_score

    X = X.astype(np.float64)
    n, d = X.shape
    Xc = X - X.mean(0)
    K = Xc @ Xc.T
    values, vectors = scipy.linalg.eigh(K, subset_by_index=[n - 10, n - 1])
    Z = vectors[:, ::-1] * np.sqrt(values[::-1])
    pca = _pca_metrics_from_scores(Z, y, np.trace(K))
    mu0, mu1 = X[y == 0].mean(0), X[y == 1].mean(0)
    R = X - np.where(y[:, None] == 1, mu1, mu0)
    lam = ledoit_wolf_shrinkage(R)
    a = lam * np.sum(R * R) / ((n - 2) * d)
    b = (1 - lam) / (n - 2)
    delta = mu1 - mu0
    r = R @ delta
    fisher = (delta @ delta - b * r @ np.linalg.solve(a * np.eye(n) + b * (R @ R.T), r)) / a
    return np.r_[pca[:3], fisher, pca[3], silhouette_score(X, y)]


def _gram_difference(K, X) -> float:
    """max |K − K64| / max |K64| against the float64 numpy centred Gram of X."""
    reference = _numpy_gram(X.astype(np.float64))
    return float(np.max(np.abs(K - reference)) / np.max(np.abs(reference)))


def _relative(ours, reference) -> float:
    ours, reference = np.asarray(ours, np.float64), np.asarray(reference, np.float64)
    return float(np.max(np.abs(ours - reference) / np.maximum(np.abs(reference), 1e-30)))


# ---------------------------------------------------------------------------------------------
# The suite


def _floor(shape: Shape) -> dict:
    """The machine's numpy GEMM rate (float32, [n, d] × [d, n]) and memory pass rate, and the
    workload floor they imply: every layer's Gram (2n²d flop) and one read of the activations."""
    X = np.random.default_rng(0).standard_normal((shape.n, shape.d), dtype=np.float32)
    Y = np.ascontiguousarray(X.T)
    X @ Y
    gemm = min(timed(lambda: X @ Y)[0] for _ in range(3))
    X.sum()
    read = min(timed(lambda: X.sum(axis=0))[0] for _ in range(3))
    grams = shape.models * shape.layers
    rate = 2.0 * shape.n**2 * shape.d / gemm
    return {"numpy_gemm_gflops": rate / 1e9, "read_gbytes_per_s": X.nbytes / read / 1e9,
            "gram_floor_s": grams * 2.0 * shape.n**2 * shape.d / rate,
            "one_pass_s": grams * read}


def run(shape: Shape, log: Callable[[str], None] = print) -> dict:
    """Times alignscope and the peers on the workload of `shape`; returns the result rows."""
    M, L, n, d = shape.models, shape.layers, shape.n, shape.d
    tol = eigen.default_tolerance(jnp.float32)
    stage = {"gram": [], "gram_best": [], "eig": [], **{m: [] for m in METRICS}, "layer": [], "evr2_public": []}
    grams = [[None] * L for _ in range(M)]
    stats_kept = None
    metric_fn = {m: jax.jit(lambda K, e, y, m=m: gram_separation.values_core(K, e, y, d, gram_separation.forms((m,)), tol))
                 for m in METRICS}
    all_fn = jax.jit(lambda K, e, y: gram_separation.values_core(K, e, y, d, gram_separation.forms(METRICS), tol))
    gram_fn = jax.jit(gram.gram_core)
    eig_fn = jax.jit(lambda K: eigen.top_core(K, gram_separation.TOP, tol))
    evr_fn = lambda X: pca.explained_variance_ratio(X, 2)  # the public call, input checks included
    ours_values, evr_public = {}, {}
    peer = {"gram_first": [], "gram": [], "pca": [], "pca2": [], "lda": [], "silhouette": []}
    peer_values, references = {}, {}
    checked = [(m, L - 1) for m in range(M)]  # float64 references: each model's last layer
    peer_layers = [(m, l) for m in range(M) for l in range(L - 1, -1, -max(1, L // shape.peer_layers))][
        : shape.peer_layers * M]
    log(f"kernels suite: {M} models x {L} layers x n={n} x d={d}")
    for m in range(M):
        for l in range(L):
            X, y = activations(shape, m, l)
            Xj, Yj = jnp.asarray(X), jnp.asarray(y[None], jnp.float32)
            if m == 0 and l == 0:  # compile every function once
                K = gram_fn(Xj)
                e = eig_fn(K)
                jax.block_until_ready([all_fn(K, e, Yj), evr_fn(Xj)] + [f(K, e, Yj) for f in metric_fn.values()])
            t, K = timed(lambda: gram_fn(Xj))
            stage["gram"].append(t)
            t, e = timed(lambda: eig_fn(K))
            stage["eig"].append(t)
            for metric, fn in metric_fn.items():
                stage[metric].append(timed(lambda: fn(K, e, Yj))[0])
            t, values = timed(lambda: all_fn(K, e, Yj))
            stage["layer"].append(stage["gram"][-1] + stage["eig"][-1] + t)
            ours_values[(m, l)] = np.asarray(values[0])
            grams[m][l] = K
            if (m, l) == (0, L - 1):
                stats_kept = (K, e, X, y)
            peer["gram_first"].append(timed(lambda: _numpy_gram(X))[0])
            stage["gram_best"].append(timed(lambda: gram_fn(Xj), repeats=3, settle=True)[0])
            peer["gram"].append(timed(lambda: _numpy_gram(X), repeats=3, settle=True)[0])
            if (m, l) in peer_layers:
                from sklearn.decomposition import PCA

                t, evr_public[(m, l)] = timed(lambda: evr_fn(Xj), repeats=3, settle=True)
                stage["evr2_public"].append(t)
                peer["pca2"].append(timed(lambda: PCA(2).fit(X), repeats=3, settle=True)[0])
                t, v = timed(lambda: peer_pca_metrics(X, y, 10))
                peer["pca"].append(t)
                peer_values[(m, l)] = v
                peer["silhouette"].append(timed(lambda: peer_silhouette(X, y))[0])
                if len(peer["lda"]) < shape.lda_layers:
                    peer["lda"].append(timed(lambda: _peer_lda(X, y))[0])
            if (m, l) in checked:
                references[(m, l)] = _reference(X, y)
            log(f"  model {m} layer {l}: gram {stage['gram'][-1]:.3f}s, all metrics {stage['layer'][-1]:.3f}s")

    # CKA between the two models' layers: ours from the Grams already formed; the peer from numpy
    # Grams computed once per layer (timed above) and one product.
    Ka, Kb = jnp.stack(grams[0]), jnp.stack(grams[-1])
    cka_fn = jax.jit(lambda a, b: cka._gram_cka_matrix_one(a, b, False))
    jax.block_until_ready(cka_fn(Ka, Kb))
    cka_ours_s, cka_ours = timed(lambda: cka_fn(Ka, Kb), repeats=3, settle=True)
    np_grams_a, np_grams_b = [np.asarray(g) for g in grams[0]], [np.asarray(g) for g in grams[-1]]
    cka_peer_s, cka_peer = timed(lambda: _numpy_cka(np_grams_a, np_grams_b), repeats=3, settle=True)

    # Bootstrap of between10 on the last layer of model 0: the same draws for both sides.
    K, e, X, y = stats_kept
    rng = np.random.default_rng(7)
    idx = np.stack([np.concatenate([rng.choice(np.flatnonzero(y == c), (y == c).sum()) for c in (0, 1)])
                    for _ in range(shape.replicas)])
    stats = gram_separation.LayerStatistics(gram=K, eig=e)
    # The public call, host-side distinct rows included; a first call compiles.
    boot_fn = lambda: gram_separation.bootstrap_values(stats, idx, y[idx], d, ("between10",))
    jax.block_until_ready(boot_fn())
    boot_s, boot = timed(boot_fn)
    boot_peer = [timed(lambda: _peer_bootstrap_replica(X, y, idx[r], 10)) for r in range(shape.peer_replicas)]
    boot_peer_s = statistics.median(t for t, _ in boot_peer)
    boot_diff = _relative(np.asarray(boot)[: shape.peer_replicas, 0], [v for _, v in boot_peer])

    floor = _floor(shape)
    med = {key: statistics.median(v) for key, v in stage.items()}
    pmed = {key: statistics.median(v) for key, v in peer.items() if v}
    diffs = {m: max(_relative(ours_values[key][i], references[key][i]) for key in references)
             for i, m in enumerate(METRICS)}
    peer_pca_diff = max(_relative(ours_values[key][[0, 1, 2, 4]], peer_values[key]) for key in peer_values)
    gram_diff = max(_gram_difference(np.asarray(grams[m][l]), activations(shape, m, l)[0]) for m, l in checked)
    base = med["gram"] + med["eig"]
    rows = []

    def row(name, ours_s, peer_s, peer_name, difference, note="", ours_min=None):
        rows.append({"row": name, "alignscope_s": ours_s, "alignscope_min_s": ours_min, "peer": peer_name,
                     "peer_s": peer_s, "speedup": peer_s / ours_s, "max_relative_difference": difference,
                     "note": note})

    extrapolated = f"peer timed on {len(peer['pca'])} of {M * L} layers"
    row("centred Gram K (per layer)", med["gram_best"], pmed["gram"], "numpy Xc @ Xc.T (OpenBLAS)", gram_diff,
        "difference vs float64 numpy, relative to max|K|; each side after a pause, fastest of 3 calls",
        min(stage["gram_best"]))
    row("top-2 EVR alone (per layer)", med["evr2_public"], pmed["pca2"], "scikit-learn PCA(2)",
        max(_relative(np.sum(evr_public[key]), references[key][0]) for key in references),
        f"{extrapolated}; ours: the public pca.explained_variance_ratio(X, 2), which forms no Gram; each side"
        " after a pause, fastest of 3 calls", min(stage["evr2_public"]))
    row("between-class ratio, top 10 PCs (per layer)", base + med["between10"], pmed["pca"],
        "scikit-learn PCA(10) + numpy", diffs["between10"], extrapolated)
    row("Bhattacharyya, top 10 PCs (per layer)", base + med["bhattacharyya"], pmed["pca"],
        "scikit-learn PCA(10) + numpy", diffs["bhattacharyya"], extrapolated)
    row("Fisher, Ledoit-Wolf (per layer)", base + med["fisher"], pmed["lda"],
        'LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")', diffs["fisher"],
        f"peer timed on {len(peer['lda'])} layer(s); difference vs float64 of our Ledoit-Wolf definition")
    row("silhouette (per layer)", med["gram"] + med["silhouette"], pmed["silhouette"], "scikit-learn silhouette_score",
        diffs["silhouette"], extrapolated)
    peer_layer = pmed["pca"] + pmed["lda"] + pmed["silhouette"]
    row("all six metrics from one Gram (per layer)", med["layer"], peer_layer,
        "one PCA(10) + numpy, LDA, silhouette_score", max(diffs.values()), extrapolated, min(stage["layer"]))
    row(f"{L} x {L} linear CKA (whole matrix, Grams included)", 2 * L * med["gram_best"] + cka_ours_s,
        2 * L * pmed["gram"] + cka_peer_s, "numpy, each Gram computed once",
        _relative(np.asarray(cka_ours), cka_peer), "difference vs the numpy peer (float32)")
    row("bootstrap of between10, per replica", boot_s / shape.replicas, boot_peer_s,
        "scikit-learn PCA(10) + numpy loop, same draws", boot_diff,
        f"{shape.replicas} replicas; peer timed on {shape.peer_replicas}; difference vs the peer's replicas")
    ours_total = sum(stage["layer"]) + cka_ours_s + boot_s
    peer_total = M * L * (peer_layer + pmed["gram_first"]) + cka_peer_s + shape.replicas * boot_peer_s
    row(f"whole workload ({M} x {L} layers, CKA, {shape.replicas}-replica bootstrap)", ours_total, peer_total,
        "the peers above", max(diffs.values()), "peer extrapolated from the layers it was timed on")
    return {"shape": dataclasses.asdict(shape), "rows": rows, "floor": floor,
            "stages_per_layer_median_s": med, "peer_stages_median_s": pmed, "eigen_steps": int(e.steps),
            "peer_pca_vs_alignscope_max_relative_difference": peer_pca_diff,
            "workload_over_gram_floor": ours_total / floor["gram_floor_s"]}


def table(result: dict) -> str:
    """Markdown table of `run`'s rows."""
    lines = ["| workload | alignscope s | peer | peer s | peer / alignscope | max rel. diff | note |",
             "|---|---|---|---|---|---|---|"]
    for r in result["rows"]:
        lines.append(f"| {r['row']} | {r['alignscope_s']:.4g} | {r['peer']} | {r['peer_s']:.4g} | "
                     f"{r['speedup']:.3g} | {r['max_relative_difference']:.1e} | {r['note']} |")
    f = result["floor"]
    lines.append("")
    lines.append(f"Floor: numpy GEMM {f['numpy_gemm_gflops']:.0f} GFLOP/s -> every Gram of the workload in "
                 f"{f['gram_floor_s']:.2f} s; one read of the activations {f['one_pass_s']:.2f} s. "
                 f"alignscope's whole workload is {result['workload_over_gram_floor']:.2f}x the Gram floor.")
    return "\n".join(lines)


SWEEP_N = (250, 500, 1000, 2000)
SWEEP_D = (512, 1024, 2048, 4096)


def sweep(n_values=SWEEP_N, d_values=SWEEP_D, log: Callable[[str], None] = print) -> list[dict]:
    """Seconds per layer for alignscope's Gram and all six metrics from it, and numpy's Gram (the
    GEMM floor), over n at the largest d and over d at n = 1000 (median of 3 layers; each Gram after a
    pause, the fastest of 3 back-to-back calls)."""
    tol = eigen.default_tolerance(jnp.float32)
    points = [(n, max(d_values)) for n in n_values] + [(1000, d) for d in d_values if d != max(d_values)]
    out = []
    for n, d in points:
        shape = dataclasses.replace(QUICK, layers=3, n=n, d=d)
        gram_fn = jax.jit(gram.gram_core)
        stats_fn = jax.jit(lambda K: eigen.top_core(K, gram_separation.TOP, tol))
        all_fn = jax.jit(lambda K, e, y, d=d: gram_separation.values_core(K, e, y, d, gram_separation.forms(METRICS), tol))
        times = {"gram": [], "all": [], "numpy_gram": []}
        for layer in range(shape.layers + 1):
            X, y = activations(shape, 0, layer % shape.layers)
            Xj, Yj = jnp.asarray(X), jnp.asarray(y[None], jnp.float32)
            t_gram, K = timed(lambda: gram_fn(Xj), repeats=3, settle=True)
            t_rest, _ = timed(lambda: all_fn(K, stats_fn(K), Yj))
            t_numpy, _ = timed(lambda: _numpy_gram(X), repeats=3, settle=True)
            if layer:  # the first pass compiles
                times["gram"].append(t_gram)
                times["all"].append(t_gram + t_rest)
                times["numpy_gram"].append(t_numpy)
        point = {"n": n, "d": d, **{key: statistics.median(v) for key, v in times.items()}}
        log(f"  sweep n={n} d={d}: {point}")
        out.append(point)
    return out


def plot_sweep(points: list[dict], path) -> None:
    """Two log-log panels, seconds per layer against n (largest d) and against d (n = 1000)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d_max = max(p["d"] for p in points)
    by_n = sorted((p for p in points if p["d"] == d_max), key=lambda p: p["n"])
    by_d = sorted((p for p in points if p["n"] == 1000), key=lambda p: p["d"])
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    styles = {"all": ("alignscope: Gram + all six metrics", "-o"), "gram": ("alignscope: centred Gram", "--s"),
              "numpy_gram": ("numpy Xc @ Xc.T (GEMM floor)", ":^")}
    for ax, series, axis, fixed in ((axes[0], by_n, "n", f"d = {d_max}"), (axes[1], by_d, "d", "n = 1000")):
        for key, (label, style) in styles.items():
            ax.plot([p[axis] for p in series], [p[key] for p in series], style, label=label)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel(f"{axis} ({'texts' if axis == 'n' else 'features'}), {fixed}")
        ax.set_ylabel("seconds per layer")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Cost per layer of the separation metrics (float32, after compilation)")
    fig.savefig(path, dpi=120)
    plt.close(fig)
