"""Interventions against PyTorch forward hooks on transformers' model (`torch_hooks.py`).

Each case runs a left-padded batch under an intervention and compares every hidden state and the
logits of each row's real tokens with transformers run on that sentence alone, with the hooks.
float32 on CPU: errors are about 2e-6 for Llama and Qwen2 (values up to ~8) and up to 1.3e-5 for
Gemma 2 (post-norms, values up to ~16), asserted below max(1e-5, 4e-6 x the largest reference
value), the decoder parity test's bounds. For Gemma 2 the hooks ablate the post-norms' outputs
(what the block adds to the stream), so the parity also checks where the engine ablates.
"""

from __future__ import annotations

import numpy as np
import pytest

from alignscope import engine
from alignscope.errors import AlignscopeError
from alignscope.models import forward
from tests.behaviour.conftest import FAMILIES
from tests.behaviour.torch_hooks import hooked_states
from tests.models.hf_reference import padded_batch, real_positions

FLOAT32_ATOL = 1e-5
# Gemma 2's scaled embeddings and (1 + w) post-norms make values of order 10-100: there the bound is
# relative to the largest reference value, as in the decoder's own parity test.
FLOAT32_RELATIVE_TOL = 4e-6


def tolerance(scale: float) -> float:
    """The float32 bound on an absolute error, given the largest reference value `scale`."""
    return max(FLOAT32_ATOL, FLOAT32_RELATIVE_TOL * scale)
LENGTHS = (9, 3, 6)


def _directions(seed: int, count: int, width: int = 32) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=width).astype(np.float32) for _ in range(count)]


def _cases() -> dict[str, tuple[list, list]]:
    """name -> (engine interventions, the same edits for the torch hooks)."""
    u, v = _directions(0, 2)
    return {
        "ablate-every-block": ([engine.Intervention.ablate(u)], [("ablate", u, None)]),
        "ablate-block-1": ([engine.Intervention.ablate(u, layers=[1])], [("ablate", u, [1])]),
        "add-block-2": ([engine.Intervention.add(v, layer=2, scale=3.0)], [("add", v, 2, 3.0)]),
        "add-then-ablate": ([engine.Intervention.add(v, layer=0, scale=2.0), engine.Intervention.ablate(u, [0, -1])],
                            [("add", v, 0, 2.0), ("ablate", u, [0, 2])]),
    }


@pytest.mark.parametrize("case", sorted(_cases()))
@pytest.mark.parametrize("family", list(FAMILIES))
def test_matches_torch_hooks(tiny_models, family, case):
    model, _, torch_model = tiny_models[family]
    interventions, hooks = _cases()[case]
    rng = np.random.default_rng(1)
    sentences = [rng.integers(3, model.config.vocab_size, size=n).tolist() for n in LENGTHS]
    ids, mask = padded_batch(sentences, "left")
    hidden = np.asarray(model.hidden_states(ids, mask, intervention=interventions))
    logits = np.asarray(model.logits(ids, mask, intervention=interventions))
    plain = np.asarray(model.logits(ids, mask))
    hidden_error = logit_error = moved = scale = 0.0
    for row, sentence in enumerate(sentences):
        expected_hidden, expected_logits = hooked_states(torch_model, sentence, hooks)
        where = real_positions(mask[row])
        hidden_error = max(hidden_error, float(np.abs(hidden[row][:, where] - expected_hidden).max()))
        logit_error = max(logit_error, float(np.abs(logits[row][where] - expected_logits).max()))
        moved = max(moved, float(np.abs(plain[row][where] - expected_logits).max()))
        scale = max(scale, float(np.abs(expected_hidden).max()), float(np.abs(expected_logits).max()))
    print(f"INTERVENTION {family} {case}: hidden={hidden_error:.2e} logits={logit_error:.2e} (moved {moved:.2f}, "
          f"largest value {scale:.1f})")
    assert moved > 100 * FLOAT32_ATOL  # the intervention changes what the model computes
    assert max(hidden_error, logit_error) < tolerance(scale)


def test_new_direction_layers_and_scale_do_not_recompile(tiny_models):
    model, _, _ = tiny_models["llama"]
    ids, mask = padded_batch([[5, 6, 7, 8], [9, 10]], "left")
    u, v = _directions(2, 2)
    model.logits(ids, mask, intervention=engine.Intervention.ablate(u))
    compiled = forward.logits._cache_size()
    first = np.asarray(model.logits(ids, mask, intervention=engine.Intervention.ablate(v, layers=[0, 2])))
    second = np.asarray(model.logits(ids, mask, intervention=engine.Intervention.add(u, layer=1, scale=-4.0)))
    assert forward.logits._cache_size() == compiled
    assert not np.allclose(first, second)


def test_ablation_removes_the_direction_from_every_reported_state(tiny_models):
    model, _, _ = tiny_models["llama"]
    (u,) = _directions(3, 1)
    ids, mask = padded_batch([[5, 6, 7, 8, 9]], "left")
    hidden = np.asarray(model.hidden_states(ids, mask, intervention=engine.Intervention.ablate(u)))
    unit = u / np.linalg.norm(u)
    components = hidden[0, :-1] @ unit  # blocks' inputs; the final norm's output is not a block input
    assert np.abs(components).max() < 1e-5 and np.abs(hidden[0, :-1]).max() > 0.1


def test_intervention_changes_the_store_key(tiny_models, tmp_path):
    model, tokenizer, _ = tiny_models["llama"]
    texts = ["How do I bake bread at home?", "Tell me how to pick a lock."]
    u, v = _directions(4, 2)
    plain = engine.run_extraction(model, tokenizer, texts, store=tmp_path, pooling="last", layers=[1, -1])
    ablated = engine.run_extraction(model, tokenizer, texts, store=tmp_path, pooling="last", layers=[1, -1],
                                    intervention=engine.Intervention.ablate(u))
    other = engine.run_extraction(model, tokenizer, texts, store=tmp_path, pooling="last", layers=[1, -1],
                                  intervention=[engine.Intervention.ablate(v)])
    again = engine.run_extraction(model, tokenizer, texts, store=tmp_path, pooling="last", layers=[1, -1],
                                  intervention=engine.Intervention.ablate(u.copy()))
    assert len({plain.store_dir, ablated.store_dir, other.store_dir}) == 3
    assert again.store_dir == ablated.store_dir and again.stats.computed_texts == 0
    encoded = tokenizer(texts[0])["input_ids"]
    expected = np.asarray(model.hidden_states(np.array([encoded]), np.ones((1, len(encoded))),
                                              intervention=engine.Intervention.ablate(u)))[0, [1, -1], -1]
    np.testing.assert_allclose(ablated.activations[0], expected, atol=1e-5)
    assert not np.allclose(plain.activations[0], ablated.activations[0], atol=1e-3)


@pytest.mark.parametrize("make, message", [
    (lambda: engine.Intervention.ablate(np.zeros(32)), "non-zero direction"),
    (lambda: engine.Intervention.ablate(np.ones((2, 32))), "shape [d_model]"),
    (lambda: [engine.Intervention.ablate(np.ones(31))], "d_model is 32"),
    (lambda: [engine.Intervention.add(np.ones(32), layer=3)], "blocks 0..2"),
    (lambda: ["ablate"], "engine.Intervention"),
])
def test_bad_interventions_are_one_clear_error(tiny_models, make, message):
    model, _, _ = tiny_models["llama"]
    with pytest.raises(AlignscopeError, match=message.replace("[", r"\[").replace(".", r"\.")):
        model.logits(np.array([[5, 6]]), np.ones((1, 2)), intervention=make())


@pytest.mark.parametrize("tied", [False, True])
def test_orthogonalized_weights_equal_runtime_ablation_and_load_in_transformers(tiny_models, tmp_path, tied):
    import torch
    import transformers

    from tests.behaviour.conftest import SMALL
    from tests.models.hf_reference import save_tiny_model

    if tied:
        save_tiny_model(transformers.LlamaConfig(vocab_size=97, **{**SMALL, "tie_word_embeddings": True}), tmp_path / "tied")
        model = engine.load_model(tmp_path / "tied")
    else:
        model = tiny_models["qwen2"][0]  # biases on q, k, v; random norm weights
    (u,) = _directions(8, 1)
    ids, mask = padded_batch([[5, 6, 7, 8, 9, 10], [11, 12, 13]], "left")
    orthogonal = model.orthogonalized(u)
    assert orthogonal.config.tie_word_embeddings is False
    expected = np.asarray(model.logits(ids, mask, intervention=engine.Intervention.ablate(u)))
    got = np.asarray(orthogonal.logits(ids, mask))
    assert np.abs(got - expected).max() < FLOAT32_ATOL
    assert np.abs(got - np.asarray(model.logits(ids, mask))).max() > 100 * FLOAT32_ATOL
    engine.save_model(orthogonal, tmp_path / "saved")
    reloaded = transformers.AutoModelForCausalLM.from_pretrained(tmp_path / "saved", dtype=torch.float32).eval()
    with torch.no_grad():
        reference = reloaded(torch.tensor([[11, 12, 13]])).logits[0].numpy()
    assert np.abs(got[1, -3:] - reference).max() < FLOAT32_ATOL


@pytest.mark.parametrize("architecture", ["Gemma2ForCausalLM", "Olmo2ForCausalLM"])
def test_orthogonalizing_a_post_norm_family_is_refused(tiny_models, tmp_path, architecture):
    import transformers

    from tests.behaviour.conftest import SMALL
    from tests.models.hf_reference import save_tiny_model

    if architecture == "Gemma2ForCausalLM":
        model = tiny_models["gemma2"][0]
    else:  # post-norms without pre-norms; loaded lazily, so no weights are read or drawn
        save_tiny_model(transformers.Olmo2Config(vocab_size=97, **SMALL), tmp_path)
        model = engine.load_model(tmp_path)
    message = (f"orthogonalized: {architecture} normalises block outputs before the residual add "
               "(post_attn_norm, post_mlp_norm), so editing weights is not the same as ablating the direction; "
               "use Intervention.ablate at runtime")
    with pytest.raises(AlignscopeError) as caught:
        model.orthogonalized(np.ones(model.config.hidden_size))
    assert str(caught.value) == message
