"""The demo models shipped with alignscope: `base` and its DPO siblings `aligned-en` and
`aligned-multi`, written by `python -m experiments.make_demo` into `models/<name>/` beside this file."""

import pathlib

from alignscope.errors import AlignscopeError

MODELS_DIR = pathlib.Path(__file__).with_name("models")
DEMO_MODELS: tuple[str, ...] = ("base", "aligned-en", "aligned-multi")


def demo_model_path(name: str) -> pathlib.Path:
    """Returns the checkpoint directory of demo model `name` (weights, config.json, tokenizer).

    Raises:
      AlignscopeError: a name not in `DEMO_MODELS`, or a model missing from this installation.
    """
    if name not in DEMO_MODELS:
        raise AlignscopeError(f"unknown demo model {name!r}; accepted: {', '.join(DEMO_MODELS)}")
    directory = MODELS_DIR / name
    if not (directory / "config.json").is_file():
        raise AlignscopeError(f"demo model {name!r} is missing from {MODELS_DIR}; rebuild the demo models with "
                              f"`python -m experiments.make_demo`")
    return directory
