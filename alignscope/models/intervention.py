"""Interventions on the residual stream: directional ablation and activation addition.

Blocks are 0..L-1; hidden state l is the stream entering block l. An `Intervention` (or a list
of them, applied in order) becomes `Edits`, arrays that the jitted forward takes as data, so a
new direction, layer or scale never recompiles; only the number of interventions is compiled in.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Sequence, Union

import numpy as np

from alignscope.errors import AlignscopeError
from alignscope.models.edits import Edits

ABLATE, ADD = "ablate", "add"


@dataclasses.dataclass(frozen=True, eq=False)
class Intervention:
    """One edit of the residual stream; build with `Intervention.ablate` or `Intervention.add`.

    Attributes:
      kind: `ablate` or `add`.
      direction: `[d_model]` float32; unit for `ablate`, as given for `add`.
      layers: the blocks it acts at; None: every block.
      scale: the multiple of `direction` added (`add` only).
    """

    kind: str
    direction: np.ndarray
    layers: tuple[int, ...] | None
    scale: float = 0.0

    @classmethod
    def ablate(cls, direction, layers: Sequence[int] | None = None) -> "Intervention":
        """Directional ablation (Arditi et al. 2024): at each chosen block, its input, its attention
        output and its MLP output (after the post-norm where the block has one: what each adds to
        the stream) lose their component along `direction` (normalised to unit length).
        `layers`: block indices (negative count from the end); None: every block."""
        vector = _vector(direction, "ablate")
        unit = (vector / np.linalg.norm(vector)).astype(np.float32)
        return cls(ABLATE, unit, None if layers is None else tuple(int(layer) for layer in layers))

    @classmethod
    def add(cls, direction, layer: int, scale: float = 1.0) -> "Intervention":
        """Activation addition: `scale * direction` is added to the stream entering block `layer`,
        at every position (a forward pre-hook on transformers' `model.layers[layer]`)."""
        return cls(ADD, _vector(direction, "add").astype(np.float32), (int(layer),), float(scale))

    def key(self) -> dict:
        """Returns what identifies this edit (a digest of the direction's float32 bytes), for store keys."""
        return {"kind": self.kind, "direction": hashlib.sha256(self.direction.tobytes()).hexdigest(),
                "layers": None if self.layers is None else list(self.layers), "scale": self.scale}


Interventions = Union[Intervention, Sequence[Intervention], None]


def _vector(direction, what: str) -> np.ndarray:
    """Returns `direction` as float64 `[d_model]`, or raises for anything else."""
    vector = np.asarray(direction, dtype=np.float64)
    if vector.ndim != 1 or not np.all(np.isfinite(vector)) or not np.any(vector):
        raise AlignscopeError(f"Intervention.{what} needs a finite, non-zero direction of shape [d_model]; "
                              f"got shape {list(vector.shape)}")
    return vector


def as_list(interventions: Interventions) -> list[Intervention]:
    """Returns `interventions` as a list (None: empty), checking each is an `Intervention`."""
    if interventions is None:
        return []
    items = [interventions] if isinstance(interventions, Intervention) else list(interventions)
    for item in items:
        if not isinstance(item, Intervention):
            raise AlignscopeError(f"intervention must be an engine.Intervention or a list of them, not "
                                  f"{type(item).__name__}")
    return items


def to_edits(interventions: Interventions, num_layers: int, hidden_size: int) -> Edits | None:
    """Returns the `Edits` arrays of `interventions` for a model of `num_layers` blocks of width
    `hidden_size`, or None for no intervention.

    Raises:
      AlignscopeError: a direction of another width, or a block that does not exist.
    """
    items = as_list(interventions)
    if not items:
        return None
    directions = np.zeros((len(items), hidden_size), np.float32)
    project = np.zeros((num_layers, len(items)), np.float32)
    add = np.zeros((num_layers, len(items)), np.float32)
    for i, item in enumerate(items):
        if item.direction.shape != (hidden_size,):
            raise AlignscopeError(f"intervention direction has {item.direction.shape[0]} dimensions; the model's "
                                  f"d_model is {hidden_size}")
        directions[i] = item.direction
        layers = range(num_layers) if item.layers is None else item.layers
        for layer in layers:
            if not -num_layers <= layer < num_layers:
                raise AlignscopeError(f"intervention at block {layer}: the model has blocks 0..{num_layers - 1} "
                                      f"(negative indices count from the end)")
            if item.kind == ABLATE:
                project[layer % num_layers, i] = 1.0
            else:
                add[layer % num_layers, i] = item.scale
    return Edits(directions, project, add)


def intervention_key(interventions: Interventions) -> list[dict] | None:
    """Returns the JSON-able identity of `interventions` (None for none), for store keys."""
    items = as_list(interventions)
    return [item.key() for item in items] if items else None
