"""Weight surgery on a parameter tree: logical axes, untying the output head, and projecting a
direction out of every weight that writes into the residual stream."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
from flax import nnx

from alignscope.models.config import DecoderConfig
from alignscope.models.decoder import Decoder

# Parameters that write into the residual stream (their `embed` axis is the stream's).
RESIDUAL_WRITERS = ("embed", "position_embed", "o_proj", "o_bias", "down_proj", "down_bias")


def _project_out_axis(value: jax.Array, unit: jax.Array, axis: int) -> jax.Array:
    """Returns `value` without its component along `unit` on `axis` (computed in float32)."""
    moved = jnp.moveaxis(value.astype(jnp.float32), axis, -1)
    moved = moved - jnp.einsum("...d,d->...", moved, unit, precision=jax.lax.Precision.HIGHEST)[..., None] * unit
    return jnp.moveaxis(moved, -1, axis).astype(value.dtype)


def logical_axes(variable: nnx.Variable) -> tuple[str, ...]:
    """Returns the logical axis names of a parameter (`embed`, `heads`, ...; see `alignscope.sharding`)."""
    metadata = variable.get_metadata()
    for key in ("out_sharding", "sharding_names"):  # Flax renamed the key; read either.
        if metadata.get(key):
            return tuple(metadata[key])
    raise ValueError(f"parameter without logical axis names: {variable}")


def parameter_specs(params: nnx.State) -> dict[tuple[str, ...], tuple[tuple[int, ...], tuple[str, ...]]]:
    """Returns per parameter path its shape and logical axis names (arrays or abstract shapes)."""
    return {tuple(path): (tuple(variable.get_value().shape), logical_axes(variable))
            for path, variable in nnx.to_flat_state(params)}


def orthogonalized_params(params: nnx.State, unit: jax.Array) -> nnx.State:
    """Returns `params` with every residual-stream writer (`RESIDUAL_WRITERS`) lacking its
    component along `unit` `[d_model]` on its `embed` axis."""
    edited = []
    for path, variable in nnx.to_flat_state(params):
        value = variable.get_value()
        if path[-1] in RESIDUAL_WRITERS:
            value = _project_out_axis(value, unit, logical_axes(variable).index("embed"))
        edited.append((path, variable.replace(value)))
    return nnx.from_flat_state(edited)


def untied(config: DecoderConfig, params: nnx.State, param_dtype) -> tuple[DecoderConfig, nnx.GraphDef, nnx.State]:
    """Returns (config, graphdef, params) of the same model with an output head of its own,
    equal to the embedding table."""
    config = dataclasses.replace(config, tie_word_embeddings=False)
    graphdef, abstract = nnx.split(nnx.eval_shape(lambda: Decoder(config, param_dtype, rngs=nnx.Rngs(0))))
    values = dict(nnx.to_flat_state(params))
    values[("lm_head",)] = values[("embed",)]
    return config, graphdef, nnx.from_flat_state([(path, variable.replace(values[path].get_value()))
                                                  for path, variable in nnx.to_flat_state(abstract)])
