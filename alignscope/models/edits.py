"""Residual-stream edits as data: directional ablation and activation addition inside the stack.

A list of n edits is three arrays, so other directions, layers or scales never recompile (only n
is part of the compiled shape). Edit i at block l maps a vector h to

    h - project[l, i] * (h . u_i) u_i + add[l, i] * u_i

at the block's input, and `h - project[l, i] * (h . u_i) u_i` at its attention and MLP outputs
(after any post-norm: what they add to the residual stream).
Ablation of a unit direction u is project = 1, add = 0; addition of `scale * v` is project = 0,
add = scale with u = v. Edits apply in list order.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

Array = jax.Array


class Edits(NamedTuple):
    """n residual-stream edits (a pytree; every field is traced data).

    Attributes:
      directions: `[n, d_model]` float32; unit for an ablation, the added vector for an addition.
      project: `[num_layers, n]` float32, 1 where edit i ablates at block l, else 0 (per block
        `[n]` inside the scanned stack).
      add: `[num_layers, n]` float32, the multiple of `directions[i]` added to block l's input
        (per block `[n]`).
    """

    directions: Array
    project: Array
    add: Array

    @staticmethod
    def none(num_layers: int, hidden_size: int) -> "Edits":
        """No edit: n = 0."""
        return Edits(jnp.zeros((0, hidden_size), jnp.float32), jnp.zeros((num_layers, 0), jnp.float32),
                     jnp.zeros((num_layers, 0), jnp.float32))

    def at(self, block: int) -> "Edits":
        """Returns the edits of one block (`project` and `add` `[n]`)."""
        return Edits(self.directions, self.project[block], self.add[block])


def _component(h: Array, direction: Array) -> Array:
    """`[..., 1]` float32: h . direction, in float32 whatever h's dtype."""
    return jnp.einsum("...d,d->...", h.astype(jnp.float32), direction,
                      precision=jax.lax.Precision.HIGHEST)[..., None]


def edit_stream(h: Array, edits: Edits | None) -> Array:
    """Returns a block's input `[batch, seq, d_model]` after every edit (per-block `edits`)."""
    return _apply(h, edits, additions=True)


def project_out(h: Array, edits: Edits | None) -> Array:
    """Returns an attention or MLP output `[batch, seq, d_model]` without the ablated components."""
    return _apply(h, edits, additions=False)


def _apply(h: Array, edits: Edits | None, additions: bool) -> Array:
    """Returns `h` with each edit in order: its ablated component removed, then (with
    `additions`) its added multiple of the direction; computed in float32, returned in h's dtype."""
    if edits is None or edits.directions.shape[0] == 0:
        return h
    out = h.astype(jnp.float32)
    for i in range(edits.directions.shape[0]):
        u = edits.directions[i]
        out = out - edits.project[i] * _component(out, u) * u
        if additions:
            out = out + edits.add[i] * u
    return out.astype(h.dtype)
