"""Device meshes and the one rule table from logical axis names to mesh axes.

Parameters and activations name their axes logically (`batch`, `embed`, `heads`, `mlp`,
`vocab`, ...); `LOGICAL_RULES` maps those names onto the mesh axes `data` and `model`. A
dimension that its mesh axis does not divide (2 key/value heads on a model axis of 8) is
replicated instead. Meshes use `AxisType.Auto` axes, so XLA inserts the collectives.
"""

from __future__ import annotations

import math

import jax
import numpy as np
from jax.sharding import AxisType, Mesh, NamedSharding, PartitionSpec

from alignscope.errors import AlignscopeError

MESH_AXES = ("data", "model")
LOGICAL_RULES: dict[str, str | None] = {
    "batch": "data",
    "vocab": "model",
    "heads": "model",
    "kv_heads": "model",
    "mlp": "model",
    "embed": None,
    "head_dim": None,
    "layers": None,
    "seq": None,
}


def make_mesh(spec: str | dict[str, int] | None = None, devices: list | None = None) -> Mesh:
    """Returns a `(data, model)` mesh over all (or the given) devices.

    Args:
      spec: `"data:4,model:2"`, `{"data": 4, "model": 2}`, or None for all devices on `data`.
        One size may be -1 (or omitted) to take the rest of the devices.
      devices: the devices to use; default `jax.devices()` (all processes' devices).
    """
    chosen = list(devices if devices is not None else jax.devices())
    sizes = _parse_mesh_spec(spec)
    free = [axis for axis in MESH_AXES if sizes.get(axis, -1) == -1]
    known = math.prod(sizes[axis] for axis in MESH_AXES if axis not in free)
    if len(free) > 1:  # Only data may be left open when both are.
        sizes["model"] = 1
        free = ["data"]
    if free:
        if len(chosen) % known:
            raise AlignscopeError(f"mesh {spec!r}: {len(chosen)} devices do not divide into axes of size {known}")
        sizes[free[0]] = len(chosen) // known
    shape = tuple(sizes[axis] for axis in MESH_AXES)
    if math.prod(shape) != len(chosen):
        raise AlignscopeError(f"mesh {spec!r} needs {math.prod(shape)} devices; there are {len(chosen)}")
    axis_types = (AxisType.Auto,) * len(MESH_AXES)
    if devices is None:  # jax.make_mesh orders devices by the physical interconnect (TPU, multi-GPU).
        return jax.make_mesh(shape, MESH_AXES, axis_types=axis_types)
    return Mesh(np.array(chosen).reshape(shape), MESH_AXES, axis_types=axis_types)


def _parse_mesh_spec(spec: str | dict[str, int] | None) -> dict[str, int]:
    if spec is None or spec == "":
        return {}
    if isinstance(spec, dict):
        pairs = list(spec.items())
    else:
        pairs = []
        for part in spec.split(","):
            name, _, size = part.partition(":")
            if not size.strip().lstrip("-").isdigit():
                raise AlignscopeError(f"mesh spec {spec!r} is malformed; expected e.g. 'data:4,model:2'")
            pairs.append((name.strip(), int(size)))
    unknown = [name for name, _ in pairs if name not in MESH_AXES]
    if unknown:
        raise AlignscopeError(f"mesh axis {unknown[0]!r} is unknown; axes are: {', '.join(MESH_AXES)}")
    bad = [f"{name}:{size}" for name, size in pairs if int(size) == 0 or int(size) < -1]
    if bad:
        raise AlignscopeError(f"mesh axis size {bad[0]} is invalid; sizes are positive, or -1 for the rest")
    return {name: int(size) for name, size in pairs}


def partition_spec(logical_axes: tuple[str | None, ...], shape: tuple[int, ...], mesh: Mesh) -> PartitionSpec:
    """Returns the PartitionSpec of an array with these logical axes on this mesh.

    Each mesh axis is used at most once; a dimension its mesh axis does not divide is replicated.
    """
    used: set[str] = set()
    spec = []
    for name, size in zip(logical_axes, shape):
        axis = LOGICAL_RULES.get(name) if name else None
        if axis is None or axis in used or size % mesh.shape[axis]:
            spec.append(None)
        else:
            spec.append(axis)
            used.add(axis)
    return PartitionSpec(*spec)


def named_sharding(logical_axes: tuple[str | None, ...], shape: tuple[int, ...], mesh: Mesh) -> NamedSharding:
    """Returns the NamedSharding of an array with these logical axes on this mesh."""
    return NamedSharding(mesh, partition_spec(logical_axes, shape, mesh))
