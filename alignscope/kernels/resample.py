"""Resampling in one place: the draws, bootstrap intervals and permutation p-values.

- `shared_draws`: the analysis's draws (see `kernels.analysis`): per language, bootstrap rows of
  whole resampling groups within strata and permuted labels, from one set of random tables, so
  languages holding the same groups are paired.
- `normal_interval`, `permutation_p_value`: intervals and p-values from replicas.
- `bootstrap`, `permutation_test`: any kernel metric on its own draws.

A metric is any function of feature arrays `[..., n, d]` (and, last, labels `[..., n]`) that
returns an array and broadcasts over leading axes, as every kernel does. Replicas are gathered
into a new leading axis just before the example axis, so the metric's own batching runs them
together on the device, `batch_size` replicas at a time. The draws are plain index arrays
`[replicas, n]`: pass `indices=` to evaluate two implementations on the same draws.
"""

import dataclasses
import functools
import math
import statistics
import warnings
from typing import Callable, NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from scipy import special

from alignscope.errors import AlignscopeError
from alignscope.kernels import checks
from alignscope.kernels.precision import full_precision

# Elements of resampled features held at once when batch_size is not given.
REPLICA_BLOCK_ELEMENTS = 2**26
STRATA = 3  # of resampling groups: harmless-only, harmful-only, mixed
# Distinct-row counts of draws are padded up to a multiple of this, so draws share compiled programs.
SIZE_STEP = 16


class BootstrapResult(NamedTuple):
    """Attributes: `estimate` (the metric on the data), `low` and `high` (percentile interval
    bounds), all shaped like the metric's output; `replicas` `[R, ...]` the bootstrap values."""

    estimate: jax.Array
    low: jax.Array
    high: jax.Array
    replicas: jax.Array


class PermutationResult(NamedTuple):
    """Attributes: `statistic` (the metric on the data) and `p_value` (one-sided: the chance of a
    value at least as large under the null), shaped like the metric's output; `null` `[R, ...]`."""

    statistic: jax.Array
    p_value: jax.Array
    null: jax.Array


@dataclasses.dataclass(frozen=True)
class Draws:
    """The shared resampling draws of one language.

    Attributes:
      rows: `[n_l]` the language's rows (indices into the `n` inputs), ascending.
      bootstrap: `[bootstrap, n_l]` drawn rows (indices into the `n` inputs).
      permuted_labels: `[permutations, n_l]` the labels of `rows` under each permutation.
    """

    rows: np.ndarray
    bootstrap: np.ndarray
    permuted_labels: np.ndarray


def bootstrap_indices(
    n: int, num_replicas: int, labels: jax.Array | None = None, seed: int = 0
) -> jax.Array:
    """`[num_replicas, n]` draws with replacement; with `labels: [n]`, within each class.

    Stratified draws keep every class at its size (and index i keeps label y_i), so each replica
    satisfies the same two-class checks as the data.
    """
    n = checks.count(n, "n", 1, 2**31 - 1)
    num_replicas = checks.count(num_replicas, "num_replicas", 1, 2**31 - 1)
    key = jax.random.key(seed)
    if labels is None:
        return jax.random.randint(key, (num_replicas, n), 0, n)
    y = np.asarray(labels)
    if y.shape != (n,):
        raise AlignscopeError(
            f"stratifying labels have shape {y.shape}; pass one labelling of shape ({n},), or"
            " pass indices= explicitly"
        )
    order = np.argsort(y, kind="stable")
    sorted_y = y[order]
    starts = np.searchsorted(sorted_y, sorted_y, side="left")
    stops = np.searchsorted(sorted_y, sorted_y, side="right")
    draws = jax.random.randint(key, (num_replicas, n), starts, stops)
    return jnp.zeros((num_replicas, n), draws.dtype).at[:, order].set(jnp.asarray(order)[draws])


def permutation_indices(n: int, num_replicas: int, seed: int = 0) -> jax.Array:
    """`[num_replicas, n]` independent random permutations of range(n)."""
    n = checks.count(n, "n", 1, 2**31 - 1)
    num_replicas = checks.count(num_replicas, "num_replicas", 1, 2**31 - 1)
    keys = jax.random.split(jax.random.key(seed), num_replicas)
    return jax.vmap(lambda k: jax.random.permutation(k, n))(keys)


def padded_size(rows, m: int) -> int:
    """`rows` rounded up to a multiple of `SIZE_STEP`, at most m."""
    return min(m, -(-int(rows) // SIZE_STEP) * SIZE_STEP)


def distinct_draws(positions: np.ndarray, *per_row: np.ndarray) -> tuple[np.ndarray, ...]:
    """A bootstrap draw as its distinct rows, each weighted by its copies: a weighted metric of
    the distinct rows equals the metric of the draw, on about 0.63 m rows instead of m.

    Returns (`[R, U]` each draw's distinct positions, `[R, U]` their copies, then each of
    `per_row` `[R, m]` (a value every copy of a row shares, e.g. its label or fold) at them), for
    draws `positions: [R, m]`. U is the most distinct positions of any draw, by `padded_size`;
    shorter draws are padded with position 0, count 0."""
    positions = np.asarray(positions)
    m = positions.shape[1]
    found = [np.unique(row, return_index=True, return_counts=True) for row in positions]
    width = padded_size(max(len(unique) for unique, _, _ in found), m)
    rows = np.zeros((len(positions), width), positions.dtype)
    copies = np.zeros((len(positions), width), np.int64)
    values = [np.zeros((len(positions), width), np.asarray(array).dtype) for array in per_row]
    for r, (unique, first, count) in enumerate(found):
        rows[r, :len(unique)], copies[r, :len(unique)] = unique, count
        for value, array in zip(values, per_row):
            value[r, :len(unique)] = np.asarray(array)[r, first]
    return (rows, copies, *values)


@full_precision
def bootstrap(
    metric: Callable[..., jax.Array],
    *features: jax.Array,
    labels: jax.Array | None = None,
    num_replicas: int = 1000,
    indices: jax.Array | None = None,
    level: float = 0.95,
    seed: int = 0,
    batch_size: int | None = None,
) -> BootstrapResult:
    """Percentile bootstrap interval of `metric(*features[, labels])`.

    A public metric of `kernels.separation` (or a `functools.partial` of one with keyword
    options) on one labelling is resampled as `kernels.analysis` does it where the Gram path
    applies (`gram_separation.public_route`): one centred Gram, each draw a gather of it, and
    `batch_size` unused; any other metric is called on `batch_size` gathered replicas at a time.

    Args:
      metric: e.g. `kernels.separation.fisher_ratio` or `kernels.cka.linear_cka` (bind options
        with functools.partial).
      features: arrays `[..., n, d]`, rows resampled together.
      labels: `[..., n]`, passed last; draws are stratified by them when `indices` is None.
      indices: `[R, n]` draws to use instead of `bootstrap_indices(n, num_replicas, labels, seed)`.
      level: coverage of the interval, in (0, 1).
      batch_size: replicas per metric call; by default as many as fit REPLICA_BLOCK_ELEMENTS.
    """
    if not 0.0 < level < 1.0:
        raise AlignscopeError(f"level={level!r} is not accepted; use a coverage in (0, 1)")
    n = _num_examples(features, labels)
    if indices is None:
        indices = bootstrap_indices(n, num_replicas, labels, seed)
    indices = _checked_indices(indices, n)

    def replica(idx):
        resampled = [jnp.take(X, idx, axis=-2) for X in features]
        if labels is not None:
            resampled.append(jnp.take(labels, idx, axis=-1))
        return resampled

    if batch_size is not None:
        checks.count(batch_size, "batch_size", 1, 2**31 - 1)
    gram_first = _gram_bootstrap(metric, features, labels, indices)
    if gram_first is not None:
        estimate, replicas = gram_first
    else:
        estimate = metric(*features, *(() if labels is None else (labels,)))
        replicas = _over_replicas(metric, replica, indices, features, labels, batch_size)
    tail = (1.0 - level) / 2
    low, high = jnp.quantile(replicas, jnp.asarray([tail, 1.0 - tail]), axis=0)
    return BootstrapResult(estimate=estimate, low=low, high=high, replicas=replicas)


def _gram_bootstrap(metric, features, labels, indices) -> tuple[jax.Array, jax.Array] | None:
    """`(estimate, replicas)` of a public separation metric (or a functools.partial of one with
    keyword options) by the Gram path, as the analysis computes it: one centred Gram of the
    features, each draw a gather of it (`gram_separation.public_route`). None where that path
    does not apply, or where a replica is not finite (a draw with a singular class covariance
    or too few rows of a class), so the feature path gives its value or its error."""
    from alignscope.kernels import gram_separation  # it imports this module

    function, options = metric, {}
    if isinstance(metric, functools.partial) and not metric.args:
        function, options = metric.func, dict(metric.keywords)
    if labels is None or len(features) != 1:
        return None
    route = gram_separation.public_route(function, features[0], labels, options, draws=True)
    if route is None:
        return None
    estimate = metric(features[0], labels)  # the public function, with its input checks and errors
    X = checks.features(features[0])
    replicas = gram_separation.public_bootstrap(X, checks.labels(labels, X), *route, indices)
    return (estimate, replicas) if bool(jnp.isfinite(replicas).all()) else None


@full_precision
def permutation_test(
    metric: Callable[..., jax.Array],
    *features: jax.Array,
    labels: jax.Array | None = None,
    num_permutations: int = 1000,
    indices: jax.Array | None = None,
    seed: int = 0,
    batch_size: int | None = None,
) -> PermutationResult:
    """One-sided permutation p-value of `metric(*features[, labels])`, large values extreme.

    The null permutes `labels` when given (separation metrics), else the rows of the last feature
    array against the others (CKA). p = (1 + #{null ≥ statistic}) / (1 + R).
    `indices`: `[R, n]` permutations to use instead of `permutation_indices(n, R, seed)`.
    """
    n = _num_examples(features, labels)
    if indices is None:
        indices = permutation_indices(n, num_permutations, seed)
    indices = _checked_indices(indices, n)

    def replica(idx):
        if labels is not None:
            return [X[..., None, :, :] for X in features] + [jnp.take(labels, idx, axis=-1)]
        *fixed, last = features
        return [X[..., None, :, :] for X in fixed] + [jnp.take(last, idx, axis=-2)]

    statistic = metric(*features, *(() if labels is None else (labels,)))
    null = _over_replicas(metric, replica, indices, features, labels, batch_size)
    return PermutationResult(statistic=statistic, p_value=permutation_p_value(statistic, null), null=null)


# ---------------------------------------------------------------------------------------------
# The analysis's shared draws


def shared_draws(langs: Sequence[str], lang_of: np.ndarray, y: np.ndarray, groups: np.ndarray,
                 bootstrap: int, permutations: int, seed: int) -> dict[str, Draws]:
    """Each language's rows, bootstrap rows and permuted labels from shared random tables.

    Args:
      langs: the languages, in output order; lang_of: `[n]` language of each row.
      y: `[n]` 0/1 labels; groups: `[n]` resampling group ids 0.. (rows drawn together).
      bootstrap, permutations: replicas of each; seed: seeds the tables.
    """
    rng = np.random.default_rng(seed)
    sizes = [int((lang_of == lang).sum()) for lang in langs]
    most = max(sizes)
    uniforms = rng.random((bootstrap, STRATA, most))
    group_keys = rng.random((permutations, most))
    row_keys = rng.random((permutations, most))
    draws = {}
    for lang in langs:
        rows = np.flatnonzero(lang_of == lang)
        draws[lang] = Draws(
            rows=rows,
            bootstrap=_bootstrap_rows(rows, y[rows], groups[rows], uniforms),
            permuted_labels=_permuted_labels(y[rows], groups[rows], group_keys, row_keys))
    return draws


def _group_table(y, groups):
    """Per group (sorted by id): its rows (positions, CSR `order`/`starts`/`sizes`) and stratum
    (0 harmless only, 1 harmful only, 2 mixed)."""
    ids, position = np.unique(groups, return_inverse=True)
    order = np.argsort(position, kind="stable")
    sizes = np.bincount(position, minlength=len(ids))
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    low = np.full(len(ids), 2)
    high = np.full(len(ids), -1)
    np.minimum.at(low, position, y)
    np.maximum.at(high, position, y)
    stratum = np.where(low == high, low, 2)
    return position, order, starts, sizes, stratum


def _bootstrap_rows(rows, y, groups, uniforms) -> np.ndarray:
    """`[R, n_l]` rows: whole groups drawn within strata until each stratum's size is reached."""
    _, order, starts, sizes, stratum = _group_table(y, groups)
    replicas = uniforms.shape[0]
    parts = []
    for s in range(STRATA):
        members = np.flatnonzero(stratum == s)
        if not len(members):
            continue
        need = int(sizes[members].sum())
        picks = members[np.floor(uniforms[:, s, :need] * len(members)).astype(np.int64)]
        if (sizes[members] == 1).all():
            parts.append(order[starts[picks]])
            continue
        drawn = np.empty((replicas, need), np.int64)
        for r in range(replicas):
            taken = np.concatenate([order[starts[g]:starts[g] + sizes[g]] for g in picks[r]])
            drawn[r] = taken[:need]
        parts.append(drawn)
    return rows[np.concatenate(parts, axis=1)]


def _permuted_labels(y, groups, group_keys, row_keys) -> np.ndarray:
    """`[P, n_l]` labels: permuted among label-pure groups, shuffled inside mixed groups."""
    position, _, _, _, stratum = _group_table(y, groups)
    n = len(y)
    pure = np.flatnonzero(stratum < 2)
    pure_label = stratum[pure]
    rank_of = np.full(len(stratum), -1)
    rank_of[pure] = np.arange(len(pure))
    in_pure = stratum[position] < 2
    by_group = np.lexsort((np.arange(n), position))
    out = np.empty((group_keys.shape[0], n), np.int64)
    for p in range(group_keys.shape[0]):
        shuffled = np.lexsort((row_keys[p, :n], position))
        labels = np.empty(n, np.int64)
        labels[shuffled] = y[by_group]
        new_pure = pure_label[np.argsort(group_keys[p, :len(pure)], kind="stable")]
        labels[in_pure] = new_pure[rank_of[position[in_pure]]]
        out[p] = labels
    return out


# ---------------------------------------------------------------------------------------------
# Intervals and p-values


class Interval(NamedTuple):
    """A bootstrap interval; fields shaped like the estimate.

    Attributes:
      point: the value the interval is about: the estimate, or where bias-corrected the
        estimate minus the bootstrap bias, θ̂ − (mean θ* − θ̂).
      low, high: point ∓ z·sd(θ*), z the normal quantile of the level.
      p_value: two-sided p-value of "the true value is 0", 2Φ(−|point| / sd(θ*)).
    """

    point: np.ndarray
    low: np.ndarray
    high: np.ndarray
    p_value: np.ndarray


def normal_interval(estimate: np.ndarray, replicas: np.ndarray, level: float, debias: np.ndarray) -> Interval:
    """Normal bootstrap interval of `estimate` from `replicas: [R, ...]` (NaN replicas left out).

    Where `debias` (broadcast against the estimate) the interval is about the bias-corrected
    estimate: plug-in distances and variance shares grow when rows are few for the dimension,
    and the bootstrap's own growth (θ* over θ̂) measures that bias. Elsewhere it is about the
    estimate itself. Which metric takes which, and the coverage each reaches, is measured by
    simulation in `experiments.benchmarks.coverage`.
    """
    mean = quiet(functools.partial(np.nanmean, axis=0), replicas)
    sd = quiet(functools.partial(np.nanstd, axis=0, ddof=1), replicas)
    point = np.where(debias, 2.0 * estimate - mean, estimate)
    z = statistics.NormalDist().inv_cdf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_value = special.erfc(np.abs(point) / sd / math.sqrt(2.0))
    return Interval(point=point, low=point - z * sd, high=point + z * sd, p_value=p_value)


def quiet(function, values):
    """`function(values)` without numpy's all-NaN-slice warnings (the result is NaN there)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return function(values)


def permutation_p_value(statistic: jax.Array, null: jax.Array) -> jax.Array:
    """One-sided permutation p-value, large values extreme: (1 + #{null ≥ statistic}) / (1 + R)
    over the R replicas of `null: [R, ...]`."""
    return (1.0 + (null >= statistic).sum(axis=0)) / (1.0 + null.shape[0])


# ---------------------------------------------------------------------------------------------
# Helpers


def _num_examples(features, labels) -> int:
    sizes = {np.shape(X)[-2] for X in features if np.ndim(X) >= 2}
    if labels is not None and np.ndim(labels) >= 1:
        sizes.add(np.shape(labels)[-1])
    if not features or any(np.ndim(X) < 2 for X in features) or len(sizes) != 1:
        raise AlignscopeError(
            f"features of shapes {[np.shape(X) for X in features]} and labels of shape"
            f" {np.shape(labels)} are not accepted; use features [..., n, d] and labels [..., n]"
            " with one n"
        )
    return sizes.pop()


def _checked_indices(indices, n: int) -> jax.Array:
    indices = jnp.asarray(indices)
    if (
        indices.ndim != 2
        or indices.shape[1] != n
        or not jnp.issubdtype(indices.dtype, jnp.integer)
        or not bool(((indices >= 0) & (indices < n)).all())
    ):
        raise AlignscopeError(
            f"indices of shape {indices.shape} and dtype {indices.dtype} are not accepted; use"
            f" integers in [0, {n}) of shape [replicas, {n}]"
        )
    return indices


def _over_replicas(metric, replica, indices, features, labels, batch_size):
    """`[R, ...]` metric values, evaluated `batch_size` replicas per call."""
    R = indices.shape[0]
    if batch_size is None:
        per_replica = sum(int(np.prod(np.shape(X))) for X in features)
        batch_size = max(1, REPLICA_BLOCK_ELEMENTS // per_replica)
    batch_size = min(checks.count(batch_size, "batch_size", 1, 2**31 - 1), R)
    # The replica axis sits just before the example axis, after the broadcast leading axes.
    leads = [np.shape(X)[:-2] for X in features]
    if labels is not None:
        leads.append(np.shape(labels)[:-1])
    axis = len(np.broadcast_shapes(*leads))
    chunks = []
    for start in range(0, R, batch_size):
        idx = indices[start : start + batch_size]
        # Pad the last chunk to the full size so the metric compiles once.
        padded = jnp.concatenate([idx, indices[: batch_size - idx.shape[0]]])
        values = jnp.moveaxis(metric(*replica(padded)), axis, 0)
        chunks.append(values[: idx.shape[0]])
    return jnp.concatenate(chunks)
