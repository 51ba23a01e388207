"""Multi-host start-up: `jax.distributed.initialize` when a run is asked to span processes."""

from __future__ import annotations

import os

import jax

ENV_COORDINATOR = "ALIGNSCOPE_COORDINATOR"
ENV_NUM_PROCESSES = "ALIGNSCOPE_NUM_PROCESSES"
ENV_PROCESS_ID = "ALIGNSCOPE_PROCESS_ID"


def initialize(coordinator_address: str | None = None, num_processes: int | None = None,
               process_id: int | None = None, auto: bool = False) -> bool:
    """Starts JAX's multi-process runtime if asked; returns whether it was started.

    Asked means: a coordinator address given here or in `ALIGNSCOPE_COORDINATOR` (with
    `ALIGNSCOPE_NUM_PROCESSES` and `ALIGNSCOPE_PROCESS_ID`), or `auto=True`, which lets JAX
    detect SLURM, Open MPI or a TPU pod by itself. Call before anything touches a device.
    """
    coordinator_address = coordinator_address or os.environ.get(ENV_COORDINATOR)
    if coordinator_address is None and not auto:
        return False
    if coordinator_address is None:
        jax.distributed.initialize()
        return True
    num_processes = num_processes if num_processes is not None else int(os.environ[ENV_NUM_PROCESSES])
    process_id = process_id if process_id is not None else int(os.environ[ENV_PROCESS_ID])
    jax.distributed.initialize(coordinator_address=coordinator_address, num_processes=num_processes,
                               process_id=process_id)
    return True
