"""The training state on disk (orbax-checkpoint): params, optimiser state, the update count
(which fixes the data position) and the history so far, saved every N updates and resumed.

A checkpoint directory belongs to one run: its key (config, starting weights, reference, data)
is stored beside the state, and a directory holding another run's state is refused.
"""

from __future__ import annotations

import pathlib
from typing import Any

import jax
import orbax.checkpoint as ocp

from alignscope.errors import AlignscopeError

KEEP = 2  # the newest checkpoints kept; an older one survives while the newest is written


class TrainingCheckpoints:
    """Saves and restores one run's state in `directory` (async saves, committed atomically, so
    a run killed while saving resumes from the previous checkpoint)."""

    def __init__(self, directory: str | pathlib.Path, run_key: str):
        self.directory = pathlib.Path(directory).expanduser().resolve()
        self.run_key = run_key
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise AlignscopeError(f"cannot create the checkpoint directory {self.directory}: {error.strerror}") from error
        self.manager = ocp.CheckpointManager(self.directory, options=ocp.CheckpointManagerOptions(max_to_keep=KEEP))

    def latest_step(self) -> int | None:
        """Returns the update count of the newest complete checkpoint, or None."""
        return self.manager.latest_step()

    def save(self, step: int, state: Any, history: list[dict[str, Any]], data_position: int) -> None:
        """Starts writing `state` (a pytree of arrays) after update `step`, with the examples drawn
        so far (`data_position`; the order itself is a function of the seed, `tuning.data.example_order`)
        and the history; returns before it is on disk."""
        # A copy: the save finishes on another thread while the caller appends further rows.
        meta = {"run_key": self.run_key, "step": step, "data_position": data_position,
                "history": [dict(row) for row in history]}
        self.manager.save(step, args=ocp.args.Composite(state=ocp.args.StandardSave(jax.tree.leaves(state)),
                                                        meta=ocp.args.JsonSave(meta)))

    def restore(self, like: Any) -> tuple[Any, int, int, list[dict[str, Any]]]:
        """Returns (the newest state, shaped and sharded like `like`; its update count; its data
        position; the history).

        Raises:
          AlignscopeError: the directory holds another run's state.
        """
        step = self.latest_step()
        meta = self.manager.restore(step, args=ocp.args.Composite(meta=ocp.args.JsonRestore())).meta
        if meta.get("run_key") != self.run_key:
            raise AlignscopeError(f"{self.directory} holds the checkpoints of another run (other config, weights "
                                  f"or data); give a fresh checkpoint_dir or delete it")
        leaves, treedef = jax.tree.flatten(like)
        abstract = [jax.ShapeDtypeStruct(leaf.shape, leaf.dtype, sharding=leaf.sharding) for leaf in leaves]
        restored = self.manager.restore(step, args=ocp.args.Composite(state=ocp.args.StandardRestore(abstract))).state
        return (jax.tree.unflatten(treedef, list(restored)), int(meta["step"]), int(meta["data_position"]),
                list(meta["history"]))

    def wait(self) -> None:
        """Blocks until every started save is on disk."""
        self.manager.wait_until_finished()

    def close(self) -> None:
        self.manager.close()

