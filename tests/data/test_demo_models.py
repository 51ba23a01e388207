"""The shipped demo models: trained on the corpus on disk, loadable, within the size budget, packaged."""

from __future__ import annotations

import configparser
import fnmatch
import json
import pathlib

import numpy as np
import pytest

from alignscope import engine
from alignscope.errors import AlignscopeError
from alignscope.data import demo
from alignscope.data.demo.shipped import MODELS_DIR

REPO = pathlib.Path(__file__).resolve().parents[2]
SIZE_BUDGET_BYTES = 15 * 10**6


def _files(name: str) -> list[pathlib.Path]:
    return sorted(path for path in (MODELS_DIR / name).iterdir() if path.is_file())


def test_each_model_records_the_corpus_on_disk():
    for name in demo.DEMO_MODELS:
        config = json.loads((demo.demo_model_path(name) / "config.json").read_text())
        assert config["alignscope_corpus_sha256"] == demo.demo_corpus_hash(), name


def test_the_three_models_fit_15_mb_as_shipped():
    total = sum(path.stat().st_size for name in demo.DEMO_MODELS for path in _files(name))
    print(f"SHIPPED demo models: {total / 1e6:.2f} MB")
    assert total < SIZE_BUDGET_BYTES


def test_models_load_share_one_tokenizer_and_differ_in_weights():
    tokenizers = {name: (demo.demo_model_path(name) / "tokenizer.json").read_bytes() for name in demo.DEMO_MODELS}
    assert len(set(tokenizers.values())) == 1
    embeddings = []
    for name in demo.DEMO_MODELS:
        model = engine.load_model(demo.demo_model_path(name))
        tokenizer = engine.load_tokenizer(demo.demo_model_path(name))
        assert model.config.architecture == "LlamaForCausalLM" and len(tokenizer) == model.config.vocab_size
        assert len({tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id}) == 3
        assert tokenizer.chat_template
        ids = tokenizer(["Wie backe ich Brot?", "我怎样在家烤面包？"], padding=True, return_tensors="np")
        assert np.isfinite(np.asarray(model.logits(ids["input_ids"], ids["attention_mask"]))).all()
        embeddings.append(np.asarray(model.params["embed"][...], dtype=np.float32))
    assert not np.array_equal(embeddings[0], embeddings[1]) and not np.array_equal(embeddings[1], embeddings[2])


def test_package_data_ships_every_model_file():
    setup = configparser.ConfigParser()
    setup.read(REPO / "setup.cfg")
    patterns = [p.strip() for key in ("*", "alignscope.data.demo")
                for p in setup["options.package_data"].get(key, "").replace(",", "\n").split() if p.strip()]
    package = REPO / "alignscope" / "data" / "demo"
    for name in demo.DEMO_MODELS:
        for path in _files(name):
            relative = path.relative_to(package).as_posix()
            assert any(fnmatch.fnmatch(relative, p) for p in patterns if "/" in p), relative


def test_unknown_demo_model_is_one_clear_error():
    with pytest.raises(AlignscopeError, match="unknown demo model 'aligned'; accepted: base, aligned-en, aligned-multi"):
        demo.demo_model_path("aligned")
