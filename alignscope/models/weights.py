"""Weight maps: which Hugging Face tensor holds which decoder parameter, both ways.

A family lists its tensors (`Tensor`); one tensor holds one parameter, or several fused along
its first axis (Phi-3's `qkv_proj` and `gate_up_proj`, GPT-NeoX's per-head `query_key_value`,
GPT-2's `c_attn`), possibly stored transposed (GPT-2's Conv1D). `build` resolves the sizes from the
decoder's parameter shapes; `Layout.split` gives each parameter as a numpy view of the tensor (so
a slice of a memory-mapped tensor reads only its pages) and `Layout.join` is its inverse, used to
write a checkpoint in the family's own layout.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable

import numpy as np

Path = tuple[str, ...]
HEAD_AXES = ("heads", "kv_heads")


@dataclasses.dataclass(frozen=True)
class Tensor:
    """One Hugging Face tensor and the decoder parameters it holds.

    Attributes:
      name: its checkpoint name; `{layer}` stands for the layer index (then its parameters are
        under `layers`, one tensor per layer).
      params: decoder parameter paths, in their order along the tensor's first (output) axis.
      groups: the first axis is `groups` equal blocks, each holding a slice of every parameter in
        turn (GPT-NeoX's query_key_value: per head [q, k, v]); 1: the parameters one after another.
      transposed: stored `[in, out]` (GPT-2's Conv1D) instead of `[out, in]`.
      keep_shape: stored in the parameter's own shape; by default each (heads, head_dim) pair of
        axes is one flat axis, as in Hugging Face projections.
    """

    name: str
    params: tuple[Path, ...]
    groups: int = 1
    transposed: bool = False
    keep_shape: bool = False


@dataclasses.dataclass(frozen=True)
class Layout:
    """A `Tensor` with its sizes resolved against the decoder's parameter shapes.

    Attributes:
      tensor: the tensor.
      param_shapes: each parameter's shape (per layer for layered parameters).
      rows: each parameter's extent along the first axis within one group.
      rest: the trailing axes of the `[out, ...]` (untransposed) tensor.
    """

    tensor: Tensor
    param_shapes: tuple[tuple[int, ...], ...]
    rows: tuple[int, ...]
    rest: tuple[int, ...]

    @property
    def logical_shape(self) -> tuple[int, ...]:
        return (self.tensor.groups * sum(self.rows), *self.rest)

    @property
    def stored_shape(self) -> tuple[int, ...]:
        """The tensor's shape in the checkpoint."""
        return self.logical_shape[::-1] if self.tensor.transposed else self.logical_shape

    def split(self, stored: np.ndarray) -> list[np.ndarray]:
        """Returns each parameter's array, views of `stored` (no copy where numpy allows)."""
        logical = stored.T if self.tensor.transposed else stored
        grouped = logical.reshape(self.tensor.groups, sum(self.rows), *self.rest)
        starts = np.cumsum((0,) + self.rows)
        return [grouped[:, start:start + rows].reshape(shape)
                for start, rows, shape in zip(starts, self.rows, self.param_shapes)]

    def join(self, values: list[np.ndarray]) -> np.ndarray:
        """Returns the stored tensor of the parameters' `values` (the inverse of `split`)."""
        groups = self.tensor.groups
        parts = [np.asarray(value).reshape(groups, rows, *self.rest) for value, rows in zip(values, self.rows)]
        logical = np.concatenate(parts, axis=1).reshape(self.logical_shape)
        return np.ascontiguousarray(logical.T) if self.tensor.transposed else logical


def _merged_shape(shape: tuple[int, ...], axes: tuple[str, ...]) -> tuple[int, ...]:
    """The shape with each (heads or kv_heads, head_dim) pair of axes merged into one."""
    merged: list[int] = []
    skip = False
    for i, (size, axis) in enumerate(zip(shape, axes)):
        if skip:
            skip = False
            continue
        if axis in HEAD_AXES and i + 1 < len(axes) and axes[i + 1] == "head_dim":
            merged.append(size * shape[i + 1])
            skip = True
        else:
            merged.append(size)
    return tuple(merged)


@dataclasses.dataclass(frozen=True)
class WeightMap:
    """Every tensor of one architecture's checkpoint that the decoder reads.

    Attributes:
      layouts: one per Hugging Face tensor (per-layer tensors once, with `{layer}` in the name).
      num_layers: how many layers the `{layer}` names range over.
    """

    layouts: tuple[Layout, ...]
    num_layers: int

    def names(self, layout: Layout) -> list[str]:
        """The checkpoint names of a layout's tensor: one per layer, or the one name."""
        if "{layer}" in layout.tensor.name:
            return [layout.tensor.name.format(layer=layer) for layer in range(self.num_layers)]
        return [layout.tensor.name]

    def locate(self, path: Path) -> tuple[Layout, int]:
        """Returns the layout holding parameter `path` and the parameter's index in it."""
        for layout in self.layouts:
            if path in layout.tensor.params:
                return layout, layout.tensor.params.index(path)
        raise KeyError(f"no tensor holds parameter {'.'.join(path)}")

    def renamed(self, prefixes: dict[str, str]) -> "WeightMap":
        """The same map with name prefixes replaced (`{"model.": "language_model.model."}`)."""
        def rename(name: str) -> str:
            for old in sorted(prefixes, key=len, reverse=True):
                if name.startswith(old):
                    return prefixes[old] + name[len(old):]
            return name
        return dataclasses.replace(self, layouts=tuple(
            dataclasses.replace(layout, tensor=dataclasses.replace(layout.tensor, name=rename(layout.tensor.name)))
            for layout in self.layouts))


def build(tensors: Iterable[Tensor], params: dict[Path, tuple[tuple[int, ...], tuple[str, ...]]],
          num_layers: int) -> WeightMap:
    """Returns the `WeightMap` of `tensors` for a decoder with these parameters.

    Args:
      tensors: the family's tensors; those holding no parameter of this decoder (a bias the config
        turns off) are dropped.
      params: per parameter path, its shape and logical axis names (with the leading `layers`
        axis for layered parameters).
      num_layers: the decoder's layer count.

    Raises:
      ValueError: a parameter no tensor holds, or a fused tensor holding some absent parameters
        (a mistake in a family's map, not in a checkpoint).
    """
    layouts = []
    for tensor in tensors:
        present = [path in params for path in tensor.params]
        if not any(present):
            continue
        if not all(present):
            raise ValueError(f"{tensor.name} holds parameters the decoder lacks")
        shapes, merged = [], []
        for path in tensor.params:
            shape, axes = params[path]
            if path[0] == "layers":
                shape, axes = shape[1:], axes[1:]
            shapes.append(tuple(shape))
            merged.append(tuple(shape) if tensor.keep_shape else _merged_shape(tuple(shape), tuple(axes)))
        rest = {m[1:] for m in merged}
        if len(rest) != 1 or any(m[0] % tensor.groups for m in merged):
            raise ValueError(f"{tensor.name}: fused parameters of incompatible shapes {merged}")
        rows = tuple(m[0] // tensor.groups for m in merged)
        layouts.append(Layout(tensor, tuple(shapes), rows, rest.pop()))
    held = [path for layout in layouts for path in layout.tensor.params]
    missing = sorted(set(params) - set(held))
    if missing or len(held) != len(set(held)):
        raise ValueError(f"weight map holds no tensor for {missing} or holds a parameter twice")
    return WeightMap(tuple(layouts), num_layers)
