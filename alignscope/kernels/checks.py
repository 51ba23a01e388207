"""Host-side input checks shared by every kernel, run on concrete inputs before the jitted math.

Each check raises `AlignscopeError` with one line naming the problem and what is accepted, and
returns the input as a JAX array in the working dtype: float32, or float64 inside a caller's
`jax.enable_x64(True)`.
"""

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from alignscope.errors import AlignscopeError


def float_dtype() -> jnp.dtype:
    """float64 inside `jax.enable_x64(True)`, float32 otherwise."""
    return jax.dtypes.canonicalize_dtype(jnp.float64)


def features(X: Any, name: str = "X", min_ndim: int = 2, axes: tuple[str, ...] | None = None) -> jax.Array:
    """`X: [..., n, d]` as a finite float array; `min_ndim=1` accepts vectors `[..., d]`.

    `axes` names X's leading axes (e.g. model, layer, example), so that the message about a
    NaN or inf says where the first one is in those words; otherwise it gives its index.
    """
    shape = np.shape(X)
    if len(shape) < min_ndim:
        wanted = "[..., n, d] (examples by features)" if min_ndim == 2 else "[..., d]"
        raise AlignscopeError(f"{name} has shape {shape}; expected an array of shape {wanted}")
    if 0 in shape[-min_ndim:]:
        raise AlignscopeError(f"{name} has shape {shape}; every core axis must be non-empty")
    X = jnp.asarray(X, dtype=float_dtype())
    finite = jnp.isfinite(X)
    if not bool(finite.all()):
        bad = np.logical_not(np.asarray(finite))
        first = np.unravel_index(int(np.argmax(bad)), bad.shape)
        where = (", ".join(f"{axis} {int(i)}" for axis, i in zip(axes, first)) if axes
                 else f"index {tuple(int(i) for i in first)}")
        raise AlignscopeError(f"{name} contains NaN or inf ({int(bad.sum())} value(s), the first at {where}); only "
                              f"finite values are accepted (a float16 model may overflow: try bfloat16 or float32)")
    return X


def labels(y: Any, X: jax.Array, min_per_class: int = 2) -> jax.Array:
    """Two-class labels `y: [..., n]` of 0 (harmless) and 1 (harmful) for `X: [..., n, d]`.

    Every labelling (each index of y's leading axes) needs `min_per_class` examples of each class.
    Returns the labels as 0./1. in X's dtype.
    """
    y_host = np.asarray(y)
    if y_host.ndim < 1 or y_host.shape[-1] != X.shape[-2]:
        raise AlignscopeError(
            f"labels have shape {y_host.shape} but X has {X.shape[-2]} examples (shape {X.shape});"
            " labels must be [..., n] with the same n"
        )
    try:
        np.broadcast_shapes(y_host.shape[:-1], X.shape[:-2])
    except ValueError:
        raise AlignscopeError(
            f"labels leading shape {y_host.shape[:-1]} does not broadcast with X leading shape"
            f" {X.shape[:-2]}"
        ) from None
    if y_host.dtype.kind not in "biuf" or not np.isin(y_host, (0, 1)).all():
        raise AlignscopeError(
            f"labels must be two classes, 0 (harmless) and 1 (harmful); got values"
            f" {np.unique(y_host)[:5].tolist()}"
        )
    ones = y_host.sum(axis=-1)
    fewest = int(min(ones.min(), (y_host.shape[-1] - ones).min()))
    if fewest < min_per_class:
        raise AlignscopeError(
            f"a class has only {fewest} example(s); each of the two classes needs at least"
            f" {min_per_class}"
        )
    return jnp.asarray(y_host, dtype=X.dtype)


def same_n(X: jax.Array, Y: jax.Array, names: str = "X and Y") -> None:
    """X and Y must hold the same examples: equal n on axis -2."""
    if X.shape[-2] != Y.shape[-2]:
        raise AlignscopeError(
            f"{names} have different numbers of examples ({X.shape[-2]} vs {Y.shape[-2]});"
            " they must be the same n examples in the same order"
        )


def count(value: Any, name: str, low: int, high: int, why: str = "") -> int:
    """An integer in [low, high], such as a number of components; `why` explains the bounds."""
    integer = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not integer or not low <= value <= high:
        raise AlignscopeError(
            f"{name}={value!r} is not accepted; use an integer in [{low}, {high}]"
            + (f" ({why})" if why else "")
        )
    return int(value)
