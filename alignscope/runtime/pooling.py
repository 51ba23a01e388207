"""Pooling as per-token weights: every pooling is a weighted sum over a row's tokens.

- `mean`: 1/n on the text's own n tokens (no padding, no BOS, no chat-template tokens);
- `first`: 1 on the text's first own token;
- `last`: 1 on the last token of the whole input (with a chat template, the final template
  token, where generation would begin);
- `last-k` (k >= 1): 1 on the token k places before the last (with a chat template, the
  post-instruction positions of Arditi et al.'s refusal direction are `last`, `last-1`, ...).

The forward (`models.forward.weighted_sum`) sums `where(weight != 0, hidden, 0) * weight`, so padded positions cannot leak.
"""

from __future__ import annotations

import numpy as np

from alignscope.errors import AlignscopeError
from alignscope.runtime.encoding import EncodedText

POOLINGS = ("mean", "first", "last")


def from_end(back: int) -> str:
    """Returns the pooling of the token `back` places before the input's last (`last` for 0)."""
    return "last" if back == 0 else f"last-{back}"


def _back(pooling: str) -> int | None:
    """Returns k of a `last`/`last-k` pooling, None for any other."""
    if pooling == "last":
        return 0
    head, _, count = pooling.partition("-")
    return int(count) if head == "last" and count.isdigit() and not count.startswith("0") else None


def check_pooling(pooling: str) -> None:
    """Raises `AlignscopeError` unless `pooling` is one of `POOLINGS` or `last-k` with k >= 1."""
    if pooling not in POOLINGS and _back(pooling) is None:
        raise AlignscopeError(f"pooling {pooling!r} is not supported; supported: {', '.join(POOLINGS)}, "
                              f"or last-k (k >= 1 tokens before the last)")


def pooling_weights(encoded: EncodedText, pooling: str, length: int) -> np.ndarray:
    """Returns `[length]` float32 weights for one right-padded input of `length` positions."""
    weights = np.zeros(length, dtype=np.float32)
    if pooling == "mean":
        weights[encoded.text_start:encoded.text_end] = 1.0 / (encoded.text_end - encoded.text_start)
    elif pooling == "first":
        weights[encoded.text_start] = 1.0
    else:
        check_pooling(pooling)
        back = _back(pooling)
        if back >= len(encoded.ids):
            raise AlignscopeError(f"pooling {pooling!r} reads {back} tokens before the last, but an input has only "
                                  f"{len(encoded.ids)} tokens")
        weights[len(encoded.ids) - 1 - back] = 1.0
    return weights
