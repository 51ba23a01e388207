"""Tiny random checkpoints (base and two "aligned" siblings) shared by the experiments' end-to-end tests."""

from __future__ import annotations

import pytest

from tests.experiments.tiny_models import save_tiny_models


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> dict:
    """`{name: checkpoint directory}` of three tiny Llamas with one shared tokenizer."""
    return save_tiny_models(tmp_path_factory.mktemp("tiny-models"))
