"""Training state survives SIGKILL (resumed weights bitwise equal to an uninterrupted run on
CPU), and data/tensor parallel training on 8 simulated CPU devices equals one device, for every
weight and for LoRA.

Each run is a subprocess (`tune_worker.py`). The 8-device run is DPO (the reference's
log-probabilities are sharded too) on a `data:8` mesh, against the same run on one device.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _worker(tiny_dir, out_dir, cache_dir, *args, devices: int = 1) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=REPO, JAX_PLATFORMS="cpu", JAX_COMPILATION_CACHE_DIR=str(cache_dir),
               JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0", JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0",
               XLA_FLAGS=f"--xla_force_host_platform_device_count={devices}")
    out_dir.mkdir(exist_ok=True)
    return subprocess.run([sys.executable, "-m", "tests.tuning.tune_worker", str(tiny_dir), str(out_dir), *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


def _weights(path) -> dict[str, np.ndarray]:
    with np.load(path) as stored:
        return {name: stored[name] for name in stored.files}


def test_sigkill_then_resume_ends_bitwise_equal(tiny, tmp_path):
    directory, state = tiny[0], tmp_path / "state"
    args = ("--method=sft", f"--checkpoint_dir={state}", "--checkpoint_every=2")
    killed = _worker(directory, tmp_path / "killed", tmp_path / "jax-cache", *args, "--kill_after_save=4")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert not (tmp_path / "killed" / "none.npz").exists()
    assert {"2", "4"} & {path.name for path in state.iterdir()}, "no checkpoint was committed before the kill"
    resumed = _worker(directory, tmp_path / "resumed", tmp_path / "jax-cache", *args, "--then_uninterrupted")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    expected, got = _weights(tmp_path / "resumed/uninterrupted.npz"), _weights(tmp_path / "resumed/none.npz")
    assert expected.keys() == got.keys()
    for name in expected:
        np.testing.assert_array_equal(got[name], expected[name], err_msg=name)


@pytest.mark.parametrize("lora_rank", [0, 2])
def test_eight_devices_equal_one(tiny, tmp_path, lora_rank):
    """Every weight trained, or LoRA factors (replicated) over frozen sharded weights."""
    done = _worker(tiny[0], tmp_path / "out", tmp_path / "jax-cache", "--method=dpo", "--steps=2",
                   "--batch_size=8", "--meshes=none;data:8", f"--lora_rank={lora_rank}", devices=8)
    assert done.returncode == 0, done.stderr[-3000:]
    one = _weights(tmp_path / "out/none.npz")
    eight = _weights(tmp_path / "out/data_8.npz")
    np.testing.assert_allclose(eight["loss"], one["loss"], rtol=1e-6)
    for name in one:
        np.testing.assert_allclose(eight[name], one[name], atol=1e-5, rtol=0, err_msg=name)
