"""Pooling as per-token weights: every pooling is a weighted sum over a row's tokens.

- `mean`: 1/n on the text's own n tokens (no padding, no BOS, no chat-template tokens);
- `first`: 1 on the text's first own token;
- `last`: 1 on the last token of the whole input (with a chat template, the final template
  token, where generation would begin).

The model sums `where(weight != 0, hidden, 0) * weight`, so padded positions cannot leak.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from alignscope.errors import AlignscopeError
from engine.encoding import EncodedText

POOLINGS = ("mean", "first", "last")


def check_pooling(pooling: str) -> None:
    """Raises `AlignscopeError` unless `pooling` is one of `POOLINGS`."""
    if pooling not in POOLINGS:
        raise AlignscopeError(f"pooling {pooling!r} is not supported; supported: {', '.join(POOLINGS)}")


def pooling_weights(encoded: EncodedText, pooling: str, length: int) -> np.ndarray:
    """Returns `[length]` float32 weights for one right-padded input of `length` positions."""
    weights = np.zeros(length, dtype=np.float32)
    if pooling == "mean":
        weights[encoded.text_start:encoded.text_end] = 1.0 / (encoded.text_end - encoded.text_start)
    elif pooling == "first":
        weights[encoded.text_start] = 1.0
    elif pooling == "last":
        weights[len(encoded.ids) - 1] = 1.0
    else:
        check_pooling(pooling)
    return weights


def weighted_sum(hidden: jax.Array, weights: jax.Array) -> jax.Array:
    """Returns `[batch, segments, d_model]` float32: per segment, the sum over tokens of `weights * hidden`.

    Args:
      hidden: `[batch, seq, d_model]` in any float dtype.
      weights: `[batch, segments, seq]` float32, one row of token weights per text of a row;
        positions with weight 0 in every segment are excluded with `where`, so a non-finite
        value there cannot leak into the sums.
    """
    used = jnp.any(weights != 0, axis=1)
    kept = jnp.where(used[..., None], hidden.astype(jnp.float32), 0.0)
    return jnp.einsum("bst,btd->bsd", weights, kept, precision=jax.lax.Precision.HIGHEST)
