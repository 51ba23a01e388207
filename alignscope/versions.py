"""The library versions and device a result was computed with (recorded in every result file)."""

from __future__ import annotations

import os
import platform


def library_versions() -> dict[str, str]:
    """Returns versions of alignscope, Python, jax, flax, transformers and numpy, and the device."""
    import flax
    import jax
    import numpy
    import transformers

    import alignscope

    return {"alignscope": alignscope.__version__, "python": platform.python_version(), "jax": jax.__version__,
            "flax": flax.__version__, "transformers": transformers.__version__, "numpy": numpy.__version__,
            "backend": jax.default_backend(), "device": str(jax.devices()[0]), "machine": platform.machine(),
            "cpus": str(os.cpu_count())}
