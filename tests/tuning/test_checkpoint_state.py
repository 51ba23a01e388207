"""A saved checkpoint holds the history as it was at the save, not rows appended while the
asynchronous write was still running (found by CI: a resumed run repeated two updates' rows)."""

from __future__ import annotations

import jax.numpy as jnp

from alignscope.train.state import TrainingCheckpoints


def test_history_appended_after_save_is_not_in_that_checkpoint(tmp_path):
    checkpoints = TrainingCheckpoints(tmp_path / "state", run_key="run")
    state = (jnp.arange(4.0), {"m": jnp.ones(3)})
    history = [{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.5}]
    checkpoints.save(2, state, history, data_position=8)
    history.append({"step": 3, "loss": 1.25})
    history[0]["loss"] = -1.0
    checkpoints.wait()
    restored, step, position, saved = checkpoints.restore(state)
    checkpoints.close()
    assert (step, position) == (2, 8)
    assert saved == [{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.5}]
    assert jnp.array_equal(restored[0], state[0]) and jnp.array_equal(restored[1]["m"], state[1]["m"])
