"""Checkpoints from strangers never run code: safetensors only, no trust_remote_code, and an
index may only name shards inside its own directory."""

from __future__ import annotations

import json
import shutil

import pytest
import transformers

from alignscope import engine
from alignscope.errors import AlignscopeError
from tests.models.hf_reference import save_tiny_model, save_tiny_tokenizer

TINY = dict(vocab_size=60, hidden_size=16, intermediate_size=24, num_hidden_layers=2, num_attention_heads=2)


@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    directory = tmp_path_factory.mktemp("sharded")
    save_tiny_model(transformers.LlamaConfig(**TINY), directory, max_shard_size="10KB")
    assert (directory / "model.safetensors.index.json").is_file()
    return directory


def test_pickled_weights_are_refused_with_how_to_convert(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"], **TINY}))
    # A pickle that would run code if it were ever unpickled.
    (tmp_path / "pytorch_model.bin").write_bytes(b"\x80\x04cos\nsystem\n(S'touch PWNED'\ntR.")
    with pytest.raises(AlignscopeError, match="only pickled PyTorch weights .*pytorch_model.bin.*safetensors only"):
        engine.load_model(tmp_path)
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("outside", ["../elsewhere.safetensors", "/etc/passwd", "sub/dir.safetensors"])
def test_an_index_naming_a_file_outside_its_directory_is_refused(sharded, tmp_path, outside):
    copy = tmp_path / "copy"
    shutil.copytree(sharded, copy)
    index = json.loads((copy / "model.safetensors.index.json").read_text())
    first = next(iter(index["weight_map"]))
    index["weight_map"][first] = outside
    (copy / "model.safetensors.index.json").write_text(json.dumps(index))
    with pytest.raises(AlignscopeError, match="an index may only name shards beside it"):
        engine.load_model(copy)


def test_a_tokenizer_needing_remote_code_is_refused_without_running_it(tmp_path):
    save_tiny_tokenizer(tmp_path)
    config = json.loads((tmp_path / "tokenizer_config.json").read_text())
    config.update(tokenizer_class="EvilTokenizer",
                  auto_map={"AutoTokenizer": ["tokenization_evil.EvilTokenizer", "tokenization_evil.EvilTokenizer"]})
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(config))
    (tmp_path / "tokenization_evil.py").write_text(
        f"import pathlib\npathlib.Path({str(tmp_path / 'PWNED')!r}).write_text('ran')\n"
        "from transformers import PreTrainedTokenizerFast\nclass EvilTokenizer(PreTrainedTokenizerFast): pass\n")
    with pytest.raises(AlignscopeError, match="needs code shipped with the checkpoint"):
        engine.load_tokenizer(tmp_path)
    assert not (tmp_path / "PWNED").exists()


def test_a_sharded_checkpoint_inside_its_directory_loads(sharded):
    model = engine.load_model(sharded)
    assert model.config.num_layers == 2 and model.identity.startswith("files:")
