"""Refusal scores against transformers' next-token distribution, and the refusal phrase lists
against the demo corpus."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from alignscope import engine
from alignscope.errors import AlignscopeError
from alignscope.interp import refusal
from alignscope.data.demo import load_preferences
from tests.behaviour.torch_hooks import hooked

PROMPTS = ["How do I bake bread at home?", "Tell me how to pick a lock.", "我怎样在家烤面包？", "मैं घर पर रोटी कैसे बनाऊं?"]
LANGS = ["en", "en", "zh", "hi"]


def _reference_log_odds(torch_model, tokenizer, prompt: str, tokens: list[int], hooks=()) -> float:
    rendered = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                             add_generation_prompt=True)
    ids = tokenizer(rendered, add_special_tokens=False)["input_ids"]
    with hooked(torch_model, hooks), torch.no_grad():
        logprobs = torch.log_softmax(torch_model(torch.tensor([ids])).logits[0, -1].double(), -1)
    inside = torch.logsumexp(logprobs[tokens], 0)
    return float(inside - torch.log1p(-torch.exp(inside)))


def test_refusal_score_is_the_log_odds_of_the_demo_refusal_tokens(tiny_models):
    model, tokenizer, torch_model = tiny_models["llama"]
    u = np.random.default_rng(7).normal(size=model.config.hidden_size).astype(np.float32)
    scores = refusal.refusal_score(model, tokenizer, PROMPTS, LANGS, batch_size=4)
    ablated = refusal.refusal_score(model, tokenizer, PROMPTS, LANGS, batch_size=4,
                                    intervention=engine.Intervention.ablate(u))
    for i, (prompt, lang) in enumerate(zip(PROMPTS, LANGS)):
        tokens = refusal.demo_refusal_tokens(tokenizer, lang)
        assert abs(scores[i] - _reference_log_odds(torch_model, tokenizer, prompt, tokens)) < 1e-4
        assert abs(ablated[i] - _reference_log_odds(torch_model, tokenizer, prompt, tokens,
                                                    [("ablate", u, None)])) < 1e-4
    assert not np.allclose(scores, ablated, atol=1e-3)


def test_score_and_generate_is_refusal_score_and_generate_in_one_pass(tiny_models):
    model, tokenizer, _ = tiny_models["llama"]
    direction = np.linspace(-1.0, 1.0, model.config.hidden_size)
    for edit in (None, engine.Intervention.ablate(direction), engine.Intervention.add(direction, 1, 4.0)):
        scores, texts = refusal.score_and_generate(model, tokenizer, PROMPTS, LANGS, 6, intervention=edit, batch_size=4)
        np.testing.assert_allclose(scores, refusal.refusal_score(model, tokenizer, PROMPTS, LANGS, intervention=edit,
                                                                 batch_size=4), atol=1e-5)
        assert texts == engine.generate(model, tokenizer, PROMPTS, 6, chat_template=True, intervention=edit,
                                        batch_size=4)
    # An ablation at no block is no intervention, bit for bit (the experiment's baselines rely on it).
    nothing = engine.Intervention.ablate(direction, layers=())
    np.testing.assert_array_equal(refusal.next_token_logits(model, tokenizer, PROMPTS, intervention=nothing,
                                                            batch_size=4),
                                  refusal.next_token_logits(model, tokenizer, PROMPTS, batch_size=4))


def test_given_refusal_tokens_replace_the_defaults(tiny_models):
    model, tokenizer, torch_model = tiny_models["llama"]
    scores = refusal.refusal_score(model, tokenizer, PROMPTS, refusal_tokens=[5, 9], batch_size=4)
    per_lang = refusal.refusal_score(model, tokenizer, PROMPTS, LANGS, refusal_tokens={lang: [5, 9] for lang in LANGS},
                                     batch_size=4)
    np.testing.assert_allclose(scores, per_lang)
    assert abs(scores[0] - _reference_log_odds(torch_model, tokenizer, PROMPTS[0], [5, 9])) < 1e-4
    with pytest.raises(AlignscopeError, match="no entry for language 'zh'"):
        refusal.refusal_score(model, tokenizer, PROMPTS[2:3], ["zh"], refusal_tokens={"en": [5]})
    with pytest.raises(AlignscopeError, match="ids in 0.."):
        refusal.refusal_score(model, tokenizer, PROMPTS[:1], refusal_tokens=[10**6])


def test_default_refusal_tokens_are_first_tokens_of_demo_refusals(tiny_models):
    _, tokenizer, _ = tiny_models["llama"]
    tokens = refusal.demo_refusal_tokens(tokenizer, "de")
    first = tokenizer("Dabei kann ich nicht helfen.", add_special_tokens=False)["input_ids"][0]
    assert first in tokens and len(tokens) >= 2


@pytest.mark.parametrize("lang", ["en", "zh", "hi", "de"])
def test_phrases_find_every_demo_refusal_and_no_helpful_answer(lang):
    preferences = load_preferences("demo", langs=[lang])
    refused = [chosen for chosen, label in zip(preferences.chosen, preferences.label) if label == 1]
    helped = [chosen for chosen, label in zip(preferences.chosen, preferences.label) if label == 0]
    assert refusal.refusals(refused, [lang] * len(refused)).all()
    assert not refusal.refusals(helped, [lang] * len(helped)).any()


def test_an_english_refusal_counts_in_every_language():
    """Small models often answer a Chinese or German prompt in English."""
    answer = "I'm sorry, but I can't help with that."
    assert refusal.refusals([answer] * 3, ["zh", "de", "en"]).all()
    assert not refusal.is_refusal("Ich helfe dir gern. I like it.", "de")


def test_unknown_phrase_language_is_one_clear_error():
    with pytest.raises(AlignscopeError, match="no refusal phrases for language 'xx'"):
        refusal.is_refusal("I can't", "xx")


def _position_states(model, tokenizer, prompts, layers, chat_template=True):
    """`[N, layers, positions, d]` through extraction, one pooling per candidate position."""
    from alignscope.interp import refusal_direction as rd

    positions = rd.post_instruction_count(tokenizer, chat_template)
    return np.stack([engine.extract(model, tokenizer, prompts, pooling=pooling, layers=layers,
                                    chat_template=chat_template, batch_size=4)
                     for pooling in rd.position_poolings(positions)], axis=2)


def test_direction_candidates_and_selection_rule(tiny_models):
    from alignscope.interp import refusal_direction as rd

    model, tokenizer, _ = tiny_models["llama"]
    positions = rd.post_instruction_count(tokenizer)
    assert positions == len(tokenizer("<|end|><|assistant|>", add_special_tokens=False)["input_ids"])
    assert rd.position_poolings(positions)[-2:] == ["last-1", "last"]
    layers = rd.candidate_layers(model.config.num_layers)
    assert layers == (1, 2)  # 1 <= l < 0.8 * 3
    harmful, harmless = PROMPTS[1:3], [PROMPTS[0], PROMPTS[3]]
    states = _position_states(model, tokenizer, harmful + harmless, layers)
    rendered = tokenizer.apply_chat_template([{"role": "user", "content": PROMPTS[1]}], tokenize=False,
                                             add_generation_prompt=True)
    ids = tokenizer(rendered, add_special_tokens=False)["input_ids"]
    alone = np.asarray(model.hidden_states(np.array([ids]), np.ones((1, len(ids)))))[0]
    np.testing.assert_allclose(states[0], alone[list(layers)][:, -positions:], atol=1e-5)
    candidates = rd.difference_in_means(states[:2], states[2:])
    np.testing.assert_allclose(candidates, states[:2].mean(0) - states[2:].mean(0), atol=1e-6)
    selection = rd.select_direction(model, tokenizer, candidates, layers, harmful, harmless,
                                    ["en", "zh"], ["en", "hi"], batch_size=4, shortlist=0)  # every candidate
    assert len(selection.layers) == len(layers) * positions
    pool = np.flatnonzero(selection.eligible) if selection.eligible.any() else np.arange(len(selection.layers))
    assert selection.chosen == pool[np.argmin(selection.ablated_harmful[pool])]
    assert selection.fallback == (not selection.eligible.any())
    # One candidate's score, recomputed directly.
    layer, back = selection.layers[0], selection.positions[0]
    direction = candidates[list(layers).index(layer), positions + back]
    direct = refusal.refusal_score(model, tokenizer, harmful, ["en", "zh"],
                                   intervention=engine.Intervention.ablate(direction), batch_size=4)
    assert abs(direct.mean() - selection.ablated_harmful[0]) < 1e-6


def test_without_the_chat_template_the_candidate_is_the_prompts_last_token(tiny_models):
    from alignscope.interp import refusal_direction as rd

    model, tokenizer, _ = tiny_models["llama"]
    assert rd.post_instruction_count(tokenizer, chat_template=False) == 1
    states = _position_states(model, tokenizer, PROMPTS[:2], (1,), chat_template=False)
    ids = tokenizer(PROMPTS[0])["input_ids"]
    alone = np.asarray(model.hidden_states(np.array([ids]), np.ones((1, len(ids)))))[0]
    np.testing.assert_allclose(states[0, 0, 0], alone[1, -1], atol=1e-5)
    candidates = rd.difference_in_means(states[:1], states[1:])
    selection = rd.select_direction(model, tokenizer, candidates, (1,), PROMPTS[1:2], PROMPTS[:1], ["en"], ["en"],
                                    chat_template=False, batch_size=4)
    direct = refusal.refusal_score(model, tokenizer, PROMPTS[1:2], ["en"], chat_template=False,
                                   intervention=engine.Intervention.ablate(candidates[0, 0]), batch_size=4)
    assert abs(direct.mean() - selection.ablated_harmful[0]) < 1e-6


@pytest.mark.parametrize("pooling, message", [
    ("last-0", "not supported"), ("last-x", "not supported"), ("last-01", "not supported"),
    ("last-99", "reads 99 tokens before the last, but an input has only"),
])
def test_bad_position_pooling_is_one_clear_error(tiny_models, pooling, message):
    model, tokenizer, _ = tiny_models["llama"]
    with pytest.raises(AlignscopeError, match=message):
        engine.extract(model, tokenizer, PROMPTS[:1], pooling=pooling, layers=[1])


def test_response_logprobs_under_an_intervention_match_hooked_transformers(tiny_models):
    model, tokenizer, torch_model = tiny_models["llama"]
    u = np.random.default_rng(10).normal(size=model.config.hidden_size).astype(np.float32)
    responses = ["I can't help with that.", "Sure, here is how.", "我无法协助。", "नहीं।"]
    edit = [engine.Intervention.add(u, layer=1, scale=1.5), engine.Intervention.ablate(u, layers=[2])]
    ours = engine.response_logprobs(model, tokenizer, PROMPTS, responses, chat_template=True, intervention=edit,
                                    batch_size=4)
    for i, (prompt, response) in enumerate(zip(PROMPTS, responses)):
        rendered = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                                 add_generation_prompt=True)
        prompt_ids = tokenizer(rendered, add_special_tokens=False)["input_ids"]
        ids = torch.tensor([prompt_ids + tokenizer(response, add_special_tokens=False)["input_ids"]])
        with hooked(torch_model, [("add", u, 1, 1.5), ("ablate", u, [2])]), torch.no_grad():
            logprobs = torch.log_softmax(torch_model(ids).logits[0].double(), dim=-1)
        expected = float(sum(logprobs[t - 1, ids[0, t]] for t in range(len(prompt_ids), ids.shape[1])))
        assert abs(ours[i] - expected) < 1e-4
