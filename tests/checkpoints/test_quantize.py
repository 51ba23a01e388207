"""`checkpoints.quantize.quantized` against llama.cpp's layout: quantizing a loaded model in memory
gives exactly the weights of the same model written by llama.cpp's converter, quantized tensor by
tensor in GGUF layout (`llama_cpp.requantize`) and read back. The families cover each way the
converter reorders a matrix: Llama's Q/K row permutation, Phi-3's fused qkv, GPT-NeoX's per-head
QKV regrouping and GPT-2's transposed Conv1D weights with learned positions (never quantized).
"""

from __future__ import annotations

import numpy as np
import pytest
import transformers
from flax import nnx

from alignscope import engine
from alignscope.checkpoints.quantize import quantized
from alignscope.errors import AlignscopeError
from tests.checkpoints.llama_cpp import convert, requantize
from tests.checkpoints.test_gguf import QUANTIZED, _hf_checkpoint

pytest.importorskip("gguf", reason='GGUF needs the gguf extra (pip install "alignscope[gguf]")')

FAMILIES = {
    "llama": (transformers.LlamaConfig, QUANTIZED),
    "phi3": (transformers.Phi3Config, {**QUANTIZED, "pad_token_id": 0}),
    "gpt-neox": (transformers.GPTNeoXConfig, {**QUANTIZED, "num_key_value_heads": 4, "rotary_pct": 0.5}),
    "gpt2": (transformers.GPT2Config, {"hidden_size": 64, "n_inner": 128, "num_attention_heads": 4}),
}


@pytest.fixture(scope="module")
def float32_files(tmp_path_factory):
    """`{family: float32 GGUF file}` written by llama.cpp's converter."""
    root = tmp_path_factory.mktemp("quantize")
    files = {}
    for family, (config_class, extra) in FAMILIES.items():
        _hf_checkpoint(root / family, config_class, extra)
        files[family] = convert(root / family, root / f"{family}-f32.gguf", "f32")
    return files


def _params(model) -> dict[tuple, np.ndarray]:
    return {tuple(path): np.asarray(variable.get_value()) for path, variable in nnx.to_flat_state(model.params)}


@pytest.mark.parametrize("family,qtype", [(family, "Q4_0") for family in FAMILIES]
                         + [("llama", qtype) for qtype in ("Q4_1", "Q5_0", "Q5_1", "Q8_0", "BF16")])
def test_quantizing_in_memory_equals_llama_cpp_layout_quantization(float32_files, tmp_path, family, qtype):
    full = engine.load_model(float32_files[family])
    file = requantize(float32_files[family], tmp_path / f"{family}-{qtype}.gguf", qtype)
    expected, got = _params(engine.load_model(file)), _params(quantized(full, qtype))
    original = _params(full)
    changed = [path for path in expected if not np.array_equal(expected[path], original[path])]
    assert changed  # the file's weights really differ from float32
    for path in expected:
        np.testing.assert_array_equal(got[path], expected[path], err_msg=f"{family} {qtype} {path}")
    if family == "gpt2":
        assert ("position_embed",) not in changed


def test_a_quantized_model_is_keyed_by_its_parent_and_type_without_reading_weights(float32_files):
    full = engine.load_model(float32_files["llama"])
    copy = quantized(full, "q8_0")
    assert copy.identity == full.identity + "|quantized:Q8_0"
    assert "params" not in copy.__dict__ and copy.source is None  # identity needed no quantization
    assert quantized(full, "Q4_0").identity != copy.identity
    edited = copy.with_params(copy.params)
    assert edited.identity.startswith("params:")  # a further change in memory is keyed by its weights


def test_an_unknown_type_is_one_clear_error(float32_files):
    with pytest.raises(AlignscopeError, match=r"'Q3_K' is not accepted; use one of F16, BF16, Q8_0"):
        quantized(engine.load_model(float32_files["llama"]), "Q3_K")
