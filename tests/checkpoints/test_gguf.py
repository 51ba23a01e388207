"""GGUF checkpoints written by llama.cpp's own converter: every hidden state and the logits equal
transformers on the original Hugging Face checkpoint (float32 files) or transformers' own GGUF
loader on the same file (quantized files), for every family llama.cpp exports.

Tolerances: float32 files within `FLOAT32_RELATIVE_TOL` (4e-6 of the largest value, as the
safetensors parity tests); quantized files against transformers' GGUF loader within the same
bound, since both compute in float32 from the same dequantized weights.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
import transformers

from alignscope import engine
from alignscope.checkpoints import gguf_header
from alignscope.checkpoints.gguf import GGUFFile
from alignscope.errors import AlignscopeError
from alignscope.experiments.bpe_tokenizer import GPT2_WORDS
from tests.checkpoints.llama_cpp import convert, requantize, tensor_types
from tests.models.hf_reference import padded_batch, save_tiny_model, save_tiny_tokenizer
from tests.models.test_decoder_parity import CASES, FLOAT32_RELATIVE_TOL, SMALL, _max_errors, _sentences

pytest.importorskip("gguf", reason='GGUF needs the gguf extra (pip install "alignscope[gguf]")')

# The decoder-parity cases a GGUF file holds as the original runs them: llama.cpp keeps no sliding
# window for Llama/Mistral/Qwen2 and computes Gemma 2/3's query scale from the head size, so those
# variants are written here with what llama.cpp assumes.
GGUF_CASES = {
    **{case: CASES[case] for case in (
        "llama-gqa", "llama-mqa", "llama-head_dim-16", "llama-tied", "llama-biases", "llama-linear-rope",
        "qwen2-biases", "qwen3-qk-norm", "phi3-fused-partial-rope", "olmo2-post-norms", "gemma", "cohere-parallel",
        "gpt-neox-parallel", "gpt-neox-sequential", "gpt2")},
    "cohere-qk-norm": (transformers.CohereConfig, dict(num_key_value_heads=2, use_qk_norm=True)),  # llama.cpp ties its head
    "llama-llama3-rope": (transformers.LlamaConfig, dict(num_key_value_heads=2, rope_parameters=dict(
        rope_type="llama3", rope_theta=500000.0, factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
        original_max_position_embeddings=8192))),
    "gemma2-softcaps-sliding": (transformers.Gemma2Config, dict(
        num_key_value_heads=2, head_dim=8, query_pre_attn_scalar=8, sliding_window=3,
        attn_logit_softcapping=1.5, final_logit_softcapping=2.5)),
    "gemma3-local-global-rope": (transformers.Gemma3TextConfig, dict(
        num_hidden_layers=6, num_key_value_heads=2, head_dim=8, query_pre_attn_scalar=8, sliding_window=3,
        final_logit_softcapping=4.0,
        rope_parameters={"sliding_attention": dict(rope_type="default", rope_theta=100.0),
                         "full_attention": dict(rope_type="linear", rope_theta=10000.0, factor=4.0)})),
}
# Rows of 64 so every matrix takes each block quantization.
QUANTIZED = dict(hidden_size=64, intermediate_size=128, num_attention_heads=4, num_key_value_heads=2)
QUANT_TYPES = ("Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "BF16")


def _hf_checkpoint(directory, config_class, extra):
    """Saves a tiny random model with the tests' multilingual BPE tokenizer; returns the torch model.

    The vocabulary is the tokenizer's as the converter loads it: with the family's config beside
    it, where some tokenizer classes add their own special tokens (Qwen2's <|endoftext|>)."""
    save_tiny_tokenizer(directory, split_pattern=GPT2_WORDS)  # what the converter is told it is: `gpt-2`
    config_class(**{**SMALL, **extra}).save_pretrained(directory)
    vocab_size = len(transformers.AutoTokenizer.from_pretrained(directory))
    return save_tiny_model(config_class(**{**SMALL, "vocab_size": vocab_size, **extra}), directory)


def _parity(model, torch_model, vocab_size, seed=0):
    sentences = _sentences(vocab_size, seed=seed)
    worst = 0.0
    for side in ("right", "left"):
        ids, mask = padded_batch(sentences, side)
        hidden_error, logit_error, scale = _max_errors(model.hidden_states(ids, mask), model.logits(ids, mask), mask,
                                                       torch_model, sentences)
        worst = max(worst, max(hidden_error, logit_error) / max(scale, 1.0))
    return worst


@pytest.mark.parametrize("case", sorted(GGUF_CASES))
def test_converted_float32_file_equals_transformers_on_the_original(case, tmp_path):
    config_class, extra = GGUF_CASES[case]
    torch_model = _hf_checkpoint(tmp_path / "hf", config_class, extra)
    file = convert(tmp_path / "hf", tmp_path / f"{case}.gguf", "f32")
    model = engine.load_model(file)
    assert model.config.architecture == torch_model.config.architectures[0]
    assert model.source == file and model.identity.startswith("gguf:")
    error = _parity(model, torch_model, torch_model.config.vocab_size)
    print(f"PARITY gguf f32 {case} relative error {error:.2e}")
    assert error < FLOAT32_RELATIVE_TOL


@pytest.fixture(scope="module")
def quantized_files(tmp_path_factory):
    """A Llama and a Qwen2 (biases) checkpoint, and their GGUF files in every type tested."""
    root = tmp_path_factory.mktemp("quantized")
    files = {}
    for family, config_class in (("llama", transformers.LlamaConfig), ("qwen2", transformers.Qwen2Config)):
        _hf_checkpoint(root / family, config_class, QUANTIZED)
        f32 = convert(root / family, root / f"{family}-f32.gguf", "f32")
        files[family, "F32"] = f32
        files[family, "F16"] = convert(root / family, root / f"{family}-f16.gguf", "f16")
        for qtype in QUANT_TYPES:
            files[family, qtype] = requantize(f32, root / f"{family}-{qtype}.gguf", qtype)
    return files


@pytest.mark.parametrize("qtype", ["F16", *QUANT_TYPES])
@pytest.mark.parametrize("family", ["llama", "qwen2"])
def test_quantized_file_equals_transformers_gguf_loader(quantized_files, family, qtype):
    pytest.importorskip("accelerate", reason="transformers' GGUF loader needs accelerate")
    file = quantized_files[family, qtype]
    assert qtype in set(tensor_types(file).values())  # the file really holds the type under test
    reference = transformers.AutoModelForCausalLM.from_pretrained(file.parent, gguf_file=file.name,
                                                                  dtype=torch.float32).eval()
    model = engine.load_model(file)
    error = _parity(model, reference, reference.config.vocab_size, seed=1)
    print(f"PARITY gguf {qtype} {family} against transformers' GGUF loader: relative error {error:.2e}")
    assert error < FLOAT32_RELATIVE_TOL
    full = engine.load_model(quantized_files[family, "F32"])
    ids, mask = padded_batch(_sentences(reference.config.vocab_size, seed=1), "right")
    assert model.identity != full.identity
    if qtype.startswith("Q"):  # the dequantized weights are what runs, not a float copy
        assert np.abs(np.asarray(model.logits(ids, mask)) - np.asarray(full.logits(ids, mask))).max() > 1e-4


def test_tokenizer_and_chat_template_come_from_the_file(quantized_files):
    file = quantized_files["llama", "Q8_0"]
    original = transformers.AutoTokenizer.from_pretrained(file.parent / "llama")
    tokenizer = engine.load_tokenizer(file)
    for text in ("How do I bake bread at home?", "Wie backe ich Brot zu Hause?", "我怎样在家烤面包？",
                 "मैं घर पर रोटी कैसे बनाऊं?"):
        assert tokenizer(text).input_ids == original(text).input_ids, text
    assert tokenizer.chat_template == original.chat_template
    messages = [{"role": "user", "content": "Hello"}]
    assert (tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            == original.apply_chat_template(messages, tokenize=False, add_generation_prompt=True))


def test_a_directory_holding_one_gguf_file_loads_it(quantized_files, tmp_path):
    (tmp_path / "model").mkdir()
    target = tmp_path / "model" / "model.gguf"
    target.symlink_to(quantized_files["llama", "Q4_0"])
    assert engine.load_model(tmp_path / "model").identity == engine.load_model(quantized_files["llama", "Q4_0"]).identity
    (tmp_path / "model" / "other.gguf").symlink_to(quantized_files["llama", "Q8_0"])
    with pytest.raises(AlignscopeError, match=r"holds 2 GGUF files \(model.gguf, other.gguf\); pass the path"):
        engine.load_model(tmp_path / "model")


def test_bad_gguf_files_are_one_clear_error(quantized_files, tmp_path):
    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(quantized_files["llama", "F32"].read_bytes()[:5000])
    with pytest.raises(AlignscopeError, match="is not a readable GGUF file"):
        engine.load_model(truncated)
    split = tmp_path / "model-00001-of-00002.gguf"
    split.write_bytes(b"GGUF")
    with pytest.raises(AlignscopeError, match="one part of a split GGUF"):
        engine.load_model(split)
    import gguf

    mamba = tmp_path / "mamba.gguf"
    writer = gguf.GGUFWriter(mamba, "mamba")
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with pytest.raises(AlignscopeError, match=r"GGUF architecture 'mamba' \(mamba.gguf\) is not supported; supported: "
                                              r"command-r, gemma, gemma2, gemma3, gpt2, gptneox, llama, olmo2, phi3"):
        engine.load_model(mamba)


@pytest.mark.parametrize("qtype", ["F32", "Q4_1", "Q8_0"])
def test_header_reader_equals_the_gguf_package_reader(quantized_files, qtype):
    import gguf

    file = quantized_files["qwen2", qtype]
    ours, reference = GGUFFile(file), gguf.GGUFReader(file)
    expected = {name: field.contents() for name, field in reference.fields.items()
                if not name.startswith("GGUF.") and name not in gguf_header.VOCABULARY}
    assert ours.metadata == expected and "tokenizer.ggml.tokens" in reference.fields
    assert list(ours.tensors) == [tensor.name for tensor in reference.tensors]
    for tensor in reference.tensors:
        assert ours.tensors[tensor.name].shape == tuple(int(size) for size in reversed(tensor.shape))
        np.testing.assert_array_equal(ours.raw(tensor.name).reshape(-1), np.asarray(tensor.data).reshape(-1).view(np.uint8))
        np.testing.assert_array_equal(ours.dequantized(tensor.name), np.asarray(
            gguf.quants.dequantize(tensor.data, tensor.tensor_type), np.float32).reshape(ours.tensors[tensor.name].shape))


@pytest.mark.parametrize("damage, message", [
    (lambda data: b"GGUX" + data[4:], "does not start with the GGUF magic bytes"),
    (lambda data: data[:4] + (7).to_bytes(4, "little") + data[8:], "GGUF version 7 is not read"),
    (lambda data: data[:4] + (3).to_bytes(4, "big") + data[8:], "big-endian GGUF files are not read"),
    (lambda data: data[:300], "the file ends at byte 300"),
    (lambda data: data[:len(data) - 64], "ends past the file's end"),
])
def test_damaged_headers_are_one_clear_error(quantized_files, tmp_path, damage, message):
    damaged = tmp_path / "damaged.gguf"
    damaged.write_bytes(damage(quantized_files["llama", "F32"].read_bytes()))
    with pytest.raises(AlignscopeError, match=f"damaged.gguf.*{message}"):
        engine.load_model(damaged).params


def test_a_gguf_tokenizer_is_built_once_then_read_from_the_cache(quantized_files, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    calls = []
    original = transformers.AutoTokenizer.from_pretrained
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained",
                        lambda *args, **kwargs: calls.append(kwargs.get("gguf_file")) or original(*args, **kwargs))
    file = quantized_files["llama", "Q8_0"]
    built, cached = engine.load_tokenizer(file), engine.load_tokenizer(file)
    assert calls == [file.name, None]  # the second load never read the GGUF vocabulary
    assert len(list((tmp_path / "alignscope" / "tokenizers").iterdir())) == 1
    texts = ["Hallo Welt, नमस्ते दुनिया 你好", " two  spaces\n\ttab", "emoji 🙂 Ünïcödé"]
    assert cached(texts)["input_ids"] == built(texts)["input_ids"]
    assert (cached.chat_template, cached.eos_token, cached.pad_token) == (built.chat_template, built.eos_token,
                                                                          built.pad_token)


def test_without_the_gguf_package_the_error_names_the_extra(quantized_files):
    code = ("import sys; sys.modules['gguf'] = None\n"
            "from alignscope import engine\n"
            f"engine.load_model({str(quantized_files['llama', 'F32'])!r})")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode != 0
    assert 'AlignscopeError: reading GGUF files needs the gguf package: pip install "alignscope[gguf]"' in run.stderr
