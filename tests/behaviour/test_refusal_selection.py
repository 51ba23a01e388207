"""The refusal direction's selection against the straightforward rule: every candidate scored in
full (ablation on harmful prompts, KL on harmless ones, addition on harmless ones), each score a
left-padded forward pass (`Model.next_token_logits`), on the demo models and corpus. The fast
path (packed scoring, additions scored lazily) gives the same numbers and choice; the default
screening scores its shortlist in full with the same numbers and applies the same rule among it.
The screen is a heuristic: on the demo models of the SFT + DPO recipe its shortlist misses the
full rule's candidate for both aligned models (validation of 8 prompts per class here), which
this test prints rather than hides."""

from __future__ import annotations

import numpy as np
import pytest

from alignscope import engine
from alignscope.data.demo import demo_model_path
from alignscope.interp import refusal_direction as rd
from alignscope.interp.refusal import demo_refusal_tokens, log_odds
from alignscope.models.intervention import Intervention
from alignscope.runtime import run_extractions
from alignscope.runtime.generation import prompt_batches

LANG = "en"


@pytest.fixture(scope="module")
def demo_selection_inputs():
    """Per demo model (its tokenizer, candidates `[layers, positions, d]`, candidate blocks, validation
    harmful and harmless prompts): English train prompts of the demo corpus give the candidates."""
    corpus = engine.load_corpus("demo", [LANG], split="train")
    harmful = [text for text, label in zip(corpus.texts, corpus.labels) if label == 1]
    harmless = [text for text, label in zip(corpus.texts, corpus.labels) if label == 0]
    inputs = {}
    for name in ("aligned-en", "aligned-multi"):
        model, tokenizer = engine.load_model(demo_model_path(name)), engine.load_tokenizer(demo_model_path(name))
        layers = rd.candidate_layers(model.config.num_layers)
        specs = [engine.ExtractionSpec(pooling=pooling, layers=layers, chat_template=True, max_length=64)
                 for pooling in rd.position_poolings(rd.post_instruction_count(tokenizer))]
        states = np.stack([result.activations for result in run_extractions(
            model, tokenizer, harmful[:24] + harmless[:24], specs)], axis=2)  # [n, layers, positions, d]
        candidates = rd.difference_in_means(states[:24], states[24:])
        inputs[name] = (model, tokenizer, candidates, layers, harmful[24:32], harmless[24:32])
    return inputs


def _padded_logits(model, tokenizer, prompts, edit) -> np.ndarray:
    """`[N, vocab]` next-token logits from left-padded rows, one forward pass per batch."""
    result = np.zeros((len(prompts), model.config.vocab_size), np.float32)
    _, batches = prompt_batches(model, tokenizer, prompts, True, 4, 64)
    for items, ids, mask in batches:
        result[items] = np.asarray(model.next_token_logits(ids, mask, edit))[:len(items)]
    return result


def _straightforward(model, tokenizer, candidates, layers, harmful, harmless) -> dict:
    """Every candidate scored in full; Arditi et al.'s rule over all of them."""
    tokens = demo_refusal_tokens(tokenizer, LANG)
    score = lambda logits: float(np.mean([log_odds(row, tokens) for row in logits]))
    base = _padded_logits(model, tokenizer, harmless, None)
    table = {"ablated": [], "kl": [], "added": []}
    for index, layer in enumerate(layers):
        for back in range(candidates.shape[1]):
            direction = candidates[index, back]
            table["ablated"].append(score(_padded_logits(model, tokenizer, harmful, Intervention.ablate(direction))))
            table["kl"].append(float(rd.next_token_kl(
                base, _padded_logits(model, tokenizer, harmless, Intervention.ablate(direction))).mean()))
            table["added"].append(score(_padded_logits(model, tokenizer, harmless, Intervention.add(direction, layer))))
    table = {key: np.array(values) for key, values in table.items()}
    eligible = (table["added"] > 0) & (table["kl"] < rd.MAX_KL)
    calm = table["kl"] < rd.MAX_KL  # no candidate eligible: the lowest score among these, else among all
    pool = np.flatnonzero(eligible if eligible.any() else calm if calm.any() else np.ones_like(calm))
    return {**table, "chosen": int(pool[np.argmin(table["ablated"][pool])])}


@pytest.mark.parametrize("name", ["aligned-en", "aligned-multi"])
def test_fast_selection_equals_the_straightforward_rule(demo_selection_inputs, name):
    model, tokenizer, candidates, layers, harmful, harmless = demo_selection_inputs[name]
    reference = _straightforward(model, tokenizer, candidates, layers, harmful, harmless)
    select = lambda **options: rd.select_direction(model, tokenizer, candidates, layers, harmful, harmless,
                                                   [LANG] * len(harmful), [LANG] * len(harmless), batch_size=4,
                                                   max_length=64, **options)
    full = select(shortlist=0)
    assert full.chosen == reference["chosen"] and np.isnan(full.screen_harmful).all()
    np.testing.assert_allclose(full.ablated_harmful, reference["ablated"], atol=1e-4)
    np.testing.assert_allclose(full.kl_harmless, reference["kl"], atol=1e-5)
    added = ~np.isnan(full.added_harmless)  # scored in ascending ablation order until one is eligible
    np.testing.assert_allclose(full.added_harmless[added], reference["added"][added], atol=1e-4)
    assert added.sum() < len(added) or full.fallback
    screened = select()  # the default: a first score keeps blocks, then candidates, scored in full
    positions = candidates.shape[1]
    assert len(layers) > rd.SHORTLIST and not np.isnan(screened.screen_block).any()
    assert np.sum(~np.isnan(screened.screen_harmful)) == rd.SHORTLIST * positions
    keep = np.flatnonzero(~np.isnan(screened.ablated_harmful))  # the shortlist, scored in full
    assert len(keep) == rd.SHORTLIST
    np.testing.assert_allclose(screened.ablated_harmful[keep], reference["ablated"][keep], atol=1e-4)
    np.testing.assert_allclose(screened.kl_harmless[keep], reference["kl"][keep], atol=1e-5)
    eligible = keep[(reference["added"][keep] > 0) & (reference["kl"][keep] < rd.MAX_KL)]
    calm = keep[reference["kl"][keep] < rd.MAX_KL]
    pool = eligible if eligible.size else calm if calm.size else keep
    assert screened.chosen == pool[np.argmin(reference["ablated"][pool])]
    print(f"{name}: screened choice {screened.chosen}, full rule's {reference['chosen']}")


def test_the_fallback_keeps_to_candidates_whose_ablation_leaves_harmless_prompts_alone():
    """With no candidate eligible, a low refusal score bought by breaking the model (KL 6.6) loses to
    the lowest score with KL < MAX_KL; only when every candidate breaks it is the lowest taken."""
    harmful, kl = np.array([-8.1, -2.3, -2.0]), np.array([6.6, 0.05, 0.02])
    assert rd._fallback(np.arange(3), harmful, kl, rd.MAX_KL) == 1
    assert rd._fallback(np.array([0, 2]), harmful, np.array([6.6, 0.05, 3.0]), rd.MAX_KL) == 0
