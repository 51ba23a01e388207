"""`quantized`: a model's weights quantized to a GGUF type and dequantized back, in memory, so an
experiment can compare a model with its own quantized copy without a llama.cpp file.

Each weight matrix is quantized as llama.cpp quantizes it: in its GGUF layout, `[out, in]` with
blocks of 32 consecutive inputs along a row (GPT-2's Conv1D weights are transposed to that layout
first; llama.cpp's Q/K row permutation and NeoX's QKV regrouping only reorder rows, which leaves
row-wise blocks unchanged). As `llama-quantize --pure`, every matrix gets the one type, the
embeddings and a separate output head included; norms, biases and learned position embeddings
stay as they are (llama.cpp keeps them in float32). llama.cpp's default recipes (without --pure)
keep the output head in Q6_K for these types; a `.gguf` file made by them loads through
`load_model` for that comparison.
"""

from __future__ import annotations

import dataclasses

import jax
import numpy as np
from flax import nnx

from alignscope.checkpoints.gguf import gguf_module
from alignscope.checkpoints.save import host_value
from alignscope.errors import AlignscopeError
from alignscope.models.families import weight_maps
from alignscope.models.model import Model
from alignscope.models.surgery import parameter_specs

# The types the gguf package quantizes in numpy, finest first (F16 and BF16 are casts).
QUANT_TYPES = ("F16", "BF16", "Q8_0", "Q5_1", "Q5_0", "Q4_1", "Q4_0")
UNQUANTIZED = (("position_embed",),)  # llama.cpp never quantizes learned position embeddings


def quantized(model: Model, quant_type: str) -> Model:
    """Returns `model` with every weight matrix quantized to `quant_type` and dequantized back (same
    dtype, shapes and mesh), read on first use; its identity is the parent's with the type appended,
    so an activation store finds its results without quantizing again.

    A matrix whose rows are not a whole number of blocks (32 values) stays unquantized, as llama.cpp
    falls back to another type there.

    Raises:
      AlignscopeError: a type outside `QUANT_TYPES`; no gguf package.
    """
    gguf = gguf_module()
    if quant_type.upper() not in QUANT_TYPES:
        raise AlignscopeError(f"quantization type {quant_type!r} is not accepted; use one of {', '.join(QUANT_TYPES)}")
    kind = gguf.GGMLQuantizationType[quant_type.upper()]
    block = gguf.GGML_QUANT_SIZES[kind][0]

    def roundtrip(matrix: np.ndarray) -> np.ndarray:
        """`[out, in]` float32 -> the same after quantization and dequantization."""
        return gguf.quants.dequantize(gguf.quants.quantize(matrix, kind), kind).reshape(matrix.shape)

    def read_params() -> nnx.State:
        flat = nnx.to_flat_state(model.params)
        values = {tuple(path): host_value(variable.get_value()).astype(np.float32) for path, variable in flat}
        weight_map = weight_maps(model.config, parameter_specs(model.params))[0]
        for layout in weight_map.layouts:
            logical = layout.logical_shape
            if len(logical) != 2 or logical[-1] % block or set(layout.tensor.params) & set(UNQUANTIZED):
                continue
            stacked = layout.tensor.params[0][0] == "layers"
            for layer in range(len(weight_map.names(layout))):
                parts = [values[path][layer] if stacked else values[path] for path in layout.tensor.params]
                stored = layout.join(parts)
                matrix = stored.T if layout.tensor.transposed else stored
                restored = roundtrip(np.ascontiguousarray(matrix))
                for path, part in zip(layout.tensor.params, layout.split(
                        restored.T if layout.tensor.transposed else restored)):
                    if stacked:
                        values[path][layer] = part
                    else:
                        values[path] = part
        return nnx.from_flat_state([
            (path, variable.replace(jax.device_put(values[tuple(path)].astype(variable.get_value().dtype),
                                                   variable.get_value().sharding)))
            for path, variable in flat])

    return dataclasses.replace(model, source=None, read_params=read_params,
                               read_identity=lambda: f"{model.identity}|quantized:{kind.name}")
