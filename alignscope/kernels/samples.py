"""What a metric's two forms read (see `kernels.metrics`): one layer's Gram statistics, or the
drawn rows of one language with the design they carry (groups, pairs, probe folds).

- `GramInputs`: one layer's centred Gram K `[n, n]`, its top eigenpairs and R labellings,
  unbatched, inside the one jitted call per layer of `kernels.gram_separation`.
- `Language`: one language's rows of every model and layer, and the per-layer statistics its
  replicas share (its rows' features, their standardised form), each formed once, on first use.
- `Sample`: B labellings of drawn rows of a `Language` (the estimate and permutations: its own
  rows, shared; bootstrap: a draw per labelling), with the gathered features and their PCA,
  formed on first use, batched over `[models, layers]`.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from alignscope.kernels import gram_metrics, ridge_probe
from alignscope.kernels import pca as pca_kernels
from alignscope.kernels.eigen import Eigenpairs

# Principal components a sample's PCA fits: the most a metric reads (between10, bhattacharyya).
TOP = 10


class GramInputs(NamedTuple):
    """One layer's Gram statistics under R labellings; unbatched, for use inside jit.

    Attributes:
      gram: `[n, n]` centred Gram K of the rows.
      eig: top-k eigenpairs of K (k = `top`).
      labels: `[R, n]` 0./1. labellings.
      contrast: their class contrasts (`gram_metrics.contrast(labels, weights)`).
      features: d, the number of features the rows have.
      tol: eigen solve residual tolerance (the Fisher solve uses a tenth of it).
      weights: `[n]` None for the rows themselves; for a bootstrap draw's distinct rows, their
        copies (0 for padding), with `gram` = C½ Kc C½ and `eig` and `contrast` weighted alike
        (see `kernels.gram_metrics`).
    """

    gram: jax.Array
    eig: Eigenpairs
    labels: jax.Array
    contrast: gram_metrics.Contrast
    features: int
    tol: float
    weights: jax.Array | None

    @property
    def top(self) -> int:
        """Eigenpairs available, k."""
        return self.eig.values.shape[0]


@dataclasses.dataclass(frozen=True)
class Language:
    """One language's rows and the statistics every replica of it shares.

    Attributes:
      X: `[models, layers, n, d]` every input row (all languages).
      y: `[n]` labels of the inputs (1 harmful / toxic, 0 harmless / neutral).
      groups: `[n]` resampling group of each input (ids 0..).
      pairs: `[p, 2]` (toxic, neutral) rows of this language, or None.
      rows: `[m]` this language's rows, ascending.
      folds: probe cross-validation folds; seed: seeds the probe folds.
      gram_path: whether the language's metrics come from Grams (`gram_separation.gram_path_applies`).
    """

    X: jax.Array
    y: np.ndarray
    groups: np.ndarray
    pairs: np.ndarray | None
    rows: np.ndarray
    folds: int
    seed: int
    gram_path: bool

    @functools.cached_property
    def features(self) -> jax.Array:
        """`[models, layers, m, d]` the language's rows."""
        return jnp.take(self.X, jnp.asarray(self.rows), axis=2)

    @functools.cached_property
    def standardized(self) -> jax.Array:
        """The language's standardised rows `[models, layers, m, d]`, or their Gram
        `[models, layers, m, m]` where `gram_path` (see `kernels.ridge_probe`)."""
        if self.gram_path:
            return ridge_probe.standardized_gram(self.features)
        return ridge_probe.standardized(self.features)


@dataclasses.dataclass(frozen=True)
class Sample:
    """B labellings of drawn rows of one language.

    Attributes:
      language: the `Language` the rows are drawn from.
      rows: `[R, m]` drawn rows (indices into the n inputs): R = B, a draw per labelling, or
        R = 1, the language's own rows shared by every labelling (estimate, permutations).
      labels: `[B, m]` 0/1 labels of the drawn rows under each labelling.
    """

    language: Language
    rows: np.ndarray
    labels: np.ndarray

    @property
    def shared(self) -> bool:
        """Whether every labelling is of the language's own rows (no bootstrap draw)."""
        return self.rows.shape[0] == 1

    @functools.cached_property
    def features(self) -> jax.Array:
        """`[models, layers, R, m, d]` the drawn rows."""
        return jnp.take(self.language.X, jnp.asarray(self.rows), axis=2)

    @functools.cached_property
    def y(self) -> jax.Array:
        """`[B, m]` the labels in the features' dtype."""
        return jnp.asarray(self.labels, self.features.dtype)

    @property
    def top(self) -> int:
        """Principal components of `pca`: `TOP`, capped at min(m − 1, d)."""
        m, d = self.rows.shape[1], self.language.X.shape[-1]
        return min(TOP, m - 1, d)

    @functools.cached_property
    def pca(self) -> pca_kernels.PCAFit:
        """Exact PCA of each drawn row set, top `top` components, `[models, layers, R, ...]`."""
        return pca_kernels.fit_batched(self.features, k=self.top, method="exact", with_components=True)

    @property
    def positions(self) -> np.ndarray:
        """`[R, m]` the drawn rows as positions among the language's rows."""
        return np.searchsorted(self.language.rows, self.rows)

