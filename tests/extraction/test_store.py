"""The activation store: reuse and keys (faults and resumes: test_store_faults.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from alignscope import engine
from alignscope.runtime.store import ActivationStore
from tests.extraction.conftest import TEXTS, tiny_llama_config
from tests.models.hf_reference import save_tiny_model, save_tiny_tokenizer

CORPUS = [f"{TEXTS[i % len(TEXTS)]} #{i}" for i in range(48)]


def _load(directory):
    return engine.load_model(directory), engine.load_tokenizer(directory)


def test_rerun_reads_the_store(tiny_checkpoint, tmp_path):
    model, tokenizer = _load(tiny_checkpoint[0])
    first = engine.run_extraction(model, tokenizer, CORPUS, batch_size=4, max_length=64, store=tmp_path)
    second = engine.run_extraction(model, tokenizer, CORPUS, batch_size=4, max_length=64, store=tmp_path)
    assert first.stats.computed_texts == len(CORPUS) and second.stats.computed_texts == 0
    assert second.store_dir == first.store_dir
    assert isinstance(second.activations.base, np.memmap) or isinstance(second.activations, np.memmap)
    np.testing.assert_array_equal(first.activations, second.activations)
    in_memory = engine.extract(model, tokenizer, CORPUS, batch_size=4, max_length=64)
    np.testing.assert_array_equal(np.asarray(second.activations), in_memory)
    layer_major = ActivationStore(first.store_dir).open()
    assert layer_major.shape == (3, len(CORPUS), 32)  # [L + 1, N, d_model] on disk


@pytest.mark.parametrize("change", [
    dict(texts=CORPUS[:-1]), dict(texts=CORPUS[:-2] + CORPUS[-1:-3:-1]), dict(pooling="last"),
    dict(layers=[1]), dict(max_length=32), dict(chat_template=True)])
def test_changed_inputs_get_new_stores(tiny_checkpoint, tmp_path, change):
    model, tokenizer = _load(tiny_checkpoint[0])
    base = dict(pooling="mean", layers=None, max_length=64, chat_template=False)
    a = engine.run_extraction(model, tokenizer, CORPUS, batch_size=4, store=tmp_path, **base)
    options = {**base, **change}
    texts = options.pop("texts", CORPUS)
    b = engine.run_extraction(model, tokenizer, texts, batch_size=4, store=tmp_path, **options)
    assert a.store_dir != b.store_dir and b.stats.computed_texts == len(texts)


def test_changed_config_gets_a_new_store(tiny_checkpoint, tmp_path):
    """Same weights, another config.json (rms_norm_eps, rope_theta): other activations, other key."""
    import shutil

    shutil.copytree(tiny_checkpoint[0], tmp_path / "edited")
    raw = json.loads((tmp_path / "edited/config.json").read_text())
    raw["rms_norm_eps"] = 0.5
    raw["rope_parameters"]["rope_theta"] = 10.0
    (tmp_path / "edited/config.json").write_text(json.dumps(raw))
    model, tokenizer = _load(tiny_checkpoint[0])
    edited = engine.load_model(tmp_path / "edited")
    a = engine.run_extraction(model, tokenizer, CORPUS[:6], store=tmp_path / "cache")
    b = engine.run_extraction(edited, tokenizer, CORPUS[:6], store=tmp_path / "cache")
    assert a.store_dir != b.store_dir and b.stats.computed_texts == 6


def test_tokenizer_key_ignores_transient_padding_settings(tiny_checkpoint):
    from alignscope.runtime import fingerprint

    tokenizer = engine.load_tokenizer(tiny_checkpoint[0])
    before = fingerprint.tokenizer_fingerprint(tokenizer)
    tokenizer(["a", "longer text"], padding=True, truncation=True, max_length=4)
    assert fingerprint.tokenizer_fingerprint(tokenizer) == before
    tokenizer.chat_template = "{{ messages }}"
    assert fingerprint.tokenizer_fingerprint(tokenizer) != before


def test_leftover_temporary_files_are_removed(tiny_checkpoint, tmp_path):
    model, tokenizer = _load(tiny_checkpoint[0])
    first = engine.run_extraction(model, tokenizer, CORPUS[:4], store=tmp_path)
    (first.store_dir / "complete.json").unlink()  # as if killed during the merge
    (first.store_dir / ".activations.npy.dead.tmp").write_bytes(b"x" * 100)
    (first.store_dir / "chunks" / ".p0-dead.npy.tmp").write_bytes(b"x")
    again = engine.run_extraction(model, tokenizer, CORPUS[:4], store=tmp_path)
    assert again.stats.computed_texts == 4
    assert not list(first.store_dir.rglob("*.tmp"))


def test_weights_differing_only_in_values_get_different_keys(tmp_path):
    tokenizer = save_tiny_tokenizer(tmp_path / "base")
    save_tiny_tokenizer(tmp_path / "aligned")
    save_tiny_model(tiny_llama_config(len(tokenizer)), tmp_path / "base", seed=0)
    save_tiny_model(tiny_llama_config(len(tokenizer)), tmp_path / "aligned", seed=1)
    base, aligned = engine.load_model(tmp_path / "base"), engine.load_model(tmp_path / "aligned")
    assert (tmp_path / "base/model.safetensors").stat().st_size == (tmp_path / "aligned/model.safetensors").stat().st_size
    assert base.identity != aligned.identity
    tokenizer = engine.load_tokenizer(tmp_path / "base")
    a = engine.run_extraction(base, tokenizer, CORPUS[:6], store=tmp_path / "cache")
    b = engine.run_extraction(aligned, tokenizer, CORPUS[:6], store=tmp_path / "cache")
    assert a.store_dir != b.store_dir and b.stats.computed_texts == 6
    assert not np.allclose(a.activations, b.activations)
