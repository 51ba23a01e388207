"""Model families: how a checkpoint's `config.json` becomes a `DecoderConfig`, and where each
parameter lives in its safetensors.

A family is a config parser, its inverse (the config.json written back) and a weight map; never a
copied model file: every family runs the one decoder in `models/decoder.py`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

from alignscope.errors import AlignscopeError
from alignscope.models.config import DecoderConfig
from alignscope.models.families import cohere, gemma, gpt, llama
from alignscope.models.families.common import REQUIRED_KEYS, llama_tensors, require
from alignscope.models.weights import Tensor, WeightMap, build


@dataclasses.dataclass(frozen=True)
class Family:
    """One architecture.

    Attributes:
      architecture: transformers' class name (`architectures[0]` in config.json).
      model_type: config.json's `model_type`.
      parse: (config.json dict, architecture) -> `DecoderConfig`.
      to_json: `DecoderConfig` -> config.json dict that `parse` reads back and transformers builds.
      tensors: `DecoderConfig` -> the checkpoint's tensors as transformers writes them.
      renames: other layouts of the same tensors found in published checkpoints, as name-prefix
        replacements tried in order when the canonical names are absent.
      covers: published checkpoints of this family, the papers' first.
      required: config.json keys without which the family cannot be parsed.
    """

    architecture: str
    model_type: str
    parse: Callable[[dict[str, Any], str], DecoderConfig]
    to_json: Callable[[DecoderConfig], dict[str, Any]]
    tensors: Callable[[DecoderConfig], list[Tensor]] = lambda config: llama_tensors()
    renames: tuple[dict[str, str], ...] = ()
    covers: tuple[str, ...] = ()
    required: tuple[str, ...] = REQUIRED_KEYS


GEMMA3_RENAMES = ({"model.": "model.language_model."},
                  {"model.": "language_model.model.", "lm_head.": "language_model.lm_head."})
FAMILIES = {family.architecture: family for family in (
    Family("LlamaForCausalLM", "llama", llama.parse_llama, llama.llama_json,
           covers=("meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-7b-chat-hf", "meta-llama/Llama-3.1-8B",
                   "meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-Guard-3-8B")),
    Family("MistralForCausalLM", "mistral", llama.parse_mistral, llama.mistral_json,
           covers=("mistralai/Mistral-7B-v0.1", "mistralai/Mistral-7B-Instruct-v0.2")),
    Family("Qwen2ForCausalLM", "qwen2", llama.parse_qwen2, llama.qwen2_json,
           covers=("Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-7B-Instruct")),
    Family("Qwen3ForCausalLM", "qwen3", llama.parse_qwen3, llama.qwen3_json,
           covers=("Qwen/Qwen3-8B-Base", "Qwen/Qwen3-8B")),
    Family("Phi3ForCausalLM", "phi3", llama.parse_phi3, llama.phi3_json, llama.phi3_tensors,
           covers=("microsoft/phi-4", "microsoft/Phi-3-mini-4k-instruct")),
    Family("Olmo2ForCausalLM", "olmo2", llama.parse_olmo2, llama.olmo2_json, llama.olmo2_tensors,
           covers=("allenai/OLMo-2-1124-7B", "allenai/OLMo-2-1124-7B-SFT", "allenai/OLMo-2-1124-7B-DPO",
                   "allenai/OLMo-2-1124-7B-Instruct")),
    Family("GemmaForCausalLM", "gemma", gemma.parse_gemma, gemma.gemma_json, gemma.gemma_tensors,
           covers=("google/gemma-7b", "google/gemma-7b-it")),
    Family("Gemma2ForCausalLM", "gemma2", gemma.parse_gemma2, gemma.gemma2_json, gemma.gemma2_tensors,
           covers=("google/gemma-2-9b", "google/gemma-2-9b-it")),
    Family("Gemma3ForCausalLM", "gemma3_text", gemma.parse_gemma3, gemma.gemma3_json, gemma.gemma2_tensors,
           renames=GEMMA3_RENAMES, covers=("google/gemma-3-12b-pt", "google/gemma-3-12b-it", "google/gemma-3-1b-it"),
           required=("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads")),
    Family("CohereForCausalLM", "cohere", cohere.parse_cohere, cohere.cohere_json, cohere.cohere_tensors,
           covers=("CohereForAI/aya-23-8B", "CohereForAI/aya-expanse-8b")),
    Family("GPTNeoXForCausalLM", "gpt_neox", gpt.parse_gpt_neox, gpt.gpt_neox_json, gpt.gpt_neox_tensors,
           renames=({"embed_out.": "lm_head."},), covers=("EleutherAI/pythia-1.4b", "EleutherAI/pythia-6.9b")),
    Family("GPT2LMHeadModel", "gpt2", gpt.parse_gpt2, gpt.gpt2_json, gpt.gpt2_tensors,
           renames=({"transformer.": ""},), covers=("openai-community/gpt2",), required=("vocab_size",)),
)}
# Checkpoints whose config.json wraps a supported language model: architecture -> its unwrapper.
WRAPPERS = {"Gemma3ForConditionalGeneration": gemma.text_tower}
MODEL_TYPES = {family.model_type: family.architecture for family in FAMILIES.values()} | {
    "gemma3": "Gemma3ForConditionalGeneration"}


def supported_architectures() -> tuple[str, ...]:
    """The architecture names `load_model` accepts, sorted."""
    return tuple(sorted([*FAMILIES, *WRAPPERS]))


def _architecture(raw: dict[str, Any]) -> str:
    architectures = raw.get("architectures") or []
    architecture = architectures[0] if architectures else MODEL_TYPES.get(raw.get("model_type", ""))
    if architecture not in FAMILIES and architecture not in WRAPPERS:
        named = architecture or raw.get("model_type") or "no architecture"
        raise AlignscopeError(f"architecture '{named}' is not supported; supported: "
                              f"{', '.join(supported_architectures())}")
    return architecture


def language_model_config(raw: dict[str, Any]) -> dict[str, Any]:
    """Returns the config.json of the language model a checkpoint holds: `raw` itself, or the text
    tower of a multimodal wrapper (Gemma 3), as its own causal-LM config."""
    architecture = _architecture(raw)
    return WRAPPERS[architecture](raw) if architecture in WRAPPERS else raw


def parse_config(raw: dict[str, Any]) -> DecoderConfig:
    """Returns the `DecoderConfig` of a checkpoint's parsed `config.json`.

    The architecture comes from `architectures[0]`, else from `model_type`; a multimodal wrapper
    parses as its language model.
    """
    raw = language_model_config(raw)
    architecture = _architecture(raw)
    family = FAMILIES[architecture]
    for key in family.required:
        require(raw, key, architecture)
    return family.parse(raw, architecture)


def config_json(config: DecoderConfig) -> dict[str, Any]:
    """Returns a transformers `config.json` dict for `config`: `parse_config` of it gives `config`
    back, and transformers builds the same architecture from it."""
    return FAMILIES[config.architecture].to_json(config)


def weight_maps(config: DecoderConfig, params: dict[tuple[str, ...], tuple[tuple[int, ...], tuple[str, ...]]]
                ) -> tuple[WeightMap, ...]:
    """Returns the family's weight maps: the canonical layout (what transformers writes, and what
    `save_model` writes) first, then the published variants (`Family.renames`).

    Args:
      config: the architecture.
      params: per decoder parameter path, its shape and logical axes (see `weights.build`).
    """
    family = FAMILIES[config.architecture]
    canonical = build(family.tensors(config), params, config.num_layers)
    return (canonical, *[canonical.renamed(prefixes) for prefixes in family.renames])
