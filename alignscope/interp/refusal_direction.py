"""The refusal direction (Arditi et al. 2024): difference-in-means candidates and their selection.

Candidates: for each block l in 1 <= l < 0.8 L and each post-instruction position p (the chat
template's tokens after the user's text, counted back from the end of the input), the mean hidden
state entering block l at p over harmful prompts minus that over harmless prompts. Without a chat
template the one position is the prompt's last token. The states are pooled extractions (pooling
`last`, `last-1`, ...: `position_poolings`), so they can come from the activation store.

Selection, on validation prompts: a candidate is eligible when adding it at its block makes
harmless prompts refused (mean refusal score > 0) and ablating it at every block moves harmless
prompts' next-token distributions little (mean KL(base || ablated) < `max_kl`); the selected one
has the lowest mean refusal score on harmful prompts under ablation.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from alignscope.errors import AlignscopeError
from alignscope.runtime import pooling
from alignscope.runtime.encoding import template_frame
from alignscope.models.intervention import Intervention
from alignscope.models.model import Model
from alignscope.runtime.generation import prompt_batches
from alignscope.interp.refusal import batched_next_token_logits, demo_refusal_tokens, log_odds

MAX_KL = 0.1
MAX_LAYER_FRACTION = 0.8


def candidate_layers(num_layers: int) -> tuple[int, ...]:
    """Returns the blocks l with 1 <= l < 0.8 L (at least block 1 when the model has two blocks)."""
    layers = tuple(layer for layer in range(1, num_layers) if layer < MAX_LAYER_FRACTION * num_layers)
    return layers or tuple(range(min(1, num_layers - 1), num_layers))


def post_instruction_count(tokenizer, chat_template: bool = True) -> int:
    """Returns how many tokens the chat template puts after the user's text (generation prompt
    included): the candidates' positions. Without the template, 1: the prompt's own last token."""
    if not chat_template:
        return 1
    _, suffix = template_frame(tokenizer)
    count = len(tokenizer(suffix, add_special_tokens=False)["input_ids"])
    if count == 0:
        raise AlignscopeError("the chat template puts no token after the user's text; no post-instruction positions")
    return count


def position_poolings(positions: int) -> list[str]:
    """Returns the extraction poolings (`runtime.pooling`) of the last `positions` tokens, the last one
    last: `[..., "last-1", "last"]`, the position order of `difference_in_means`."""
    return [pooling.from_end(back) for back in reversed(range(positions))]


def difference_in_means(harmful: np.ndarray, harmless: np.ndarray) -> np.ndarray:
    """Returns `[layers, positions, d_model]`: mean over harmful prompts minus mean over harmless, of
    pooled states `[N, layers, positions, d_model]` (positions as `position_poolings`, the last one last)."""
    return harmful.astype(np.float64).mean(0).astype(np.float32) - harmless.astype(np.float64).mean(0).astype(np.float32)


def next_token_kl(base_logits: np.ndarray, edited_logits: np.ndarray) -> np.ndarray:
    """Returns `[N]` KL(base || edited) in nats of next-token distributions given as logits `[N, vocab]`."""
    base = np.asarray(base_logits, np.float64)
    edited = np.asarray(edited_logits, np.float64)
    log_p = base - np.logaddexp.reduce(base, axis=-1, keepdims=True)
    log_q = edited - np.logaddexp.reduce(edited, axis=-1, keepdims=True)
    return np.sum(np.exp(log_p) * (log_p - log_q), axis=-1)


@dataclasses.dataclass(frozen=True)
class Selection:
    """The candidates' validation scores and the chosen one.

    Attributes:
      layers: the candidates' blocks `[C]`.
      positions: the candidates' positions `[C]`, counted back from the input's end (-1 the last token).
      ablated_harmful: `[C]` mean refusal score of harmful prompts with the candidate ablated everywhere.
      added_harmless: `[C]` mean refusal score of harmless prompts with it added at its block.
      kl_harmless: `[C]` mean KL(base || ablated) of harmless prompts' next-token distributions.
      eligible: `[C]` bool, added_harmless > 0 and kl_harmless < max_kl.
      chosen: index of the selected candidate: the eligible one with the lowest ablated_harmful,
        or, when none is eligible, the lowest ablated_harmful overall (`fallback` True).
      fallback: whether no candidate was eligible.
      baseline_harmful, baseline_harmless: mean refusal scores without intervention.
    """

    layers: np.ndarray
    positions: np.ndarray
    ablated_harmful: np.ndarray
    added_harmless: np.ndarray
    kl_harmless: np.ndarray
    eligible: np.ndarray
    chosen: int
    fallback: bool
    baseline_harmful: float
    baseline_harmless: float


def select_direction(model: Model, tokenizer, candidates: np.ndarray, layers: Sequence[int],
                     harmful: Sequence[str], harmless: Sequence[str], langs_harmful: Sequence[str],
                     langs_harmless: Sequence[str], *, chat_template: bool = True, max_kl: float = MAX_KL,
                     batch_size: int = 32, max_length: int = 512) -> Selection:
    """Scores every candidate `[len(layers), positions, d_model]` on validation prompts and selects one
    by Arditi et al.'s rule (module docstring). Refusal scores use each language's default tokens;
    `chat_template` as in `refusal_score`."""
    tokens = {lang: demo_refusal_tokens(tokenizer, lang) for lang in set(langs_harmful) | set(langs_harmless)}
    scores = lambda logits, langs: np.array([log_odds(row, tokens[lang]) for row, lang in zip(logits, langs)])
    harmful, harmless = list(harmful), list(harmless)
    if len(langs_harmful) != len(harmful) or len(langs_harmless) != len(harmless):
        raise AlignscopeError(f"langs has {len(langs_harmful)} and {len(langs_harmless)} entries for "
                              f"{len(harmful)} harmful and {len(harmless)} harmless prompts")
    both_prompts = harmful + harmless
    # Tokenized once: harmful and harmless prompts together (every ablation scores both), harmless alone.
    both = list(prompt_batches(model, tokenizer, both_prompts, chat_template, batch_size, max_length))
    harmless_only = list(prompt_batches(model, tokenizer, harmless, chat_template, batch_size, max_length))
    split = len(harmful)
    directions = [(layer, back, candidates[index, back]) for index, layer in enumerate(layers)
                  for back in range(candidates.shape[1]) if np.any(candidates[index, back])]
    if not directions:
        raise AlignscopeError("every difference-in-means candidate is zero; harmful and harmless prompts give "
                              "identical states")
    # The baseline is an ablation at no block: the numbers of no intervention (bit for bit), from the
    # program the candidates' edits compile (one compile per bucket instead of two).
    base = batched_next_token_logits(model, both, len(both_prompts), Intervention.ablate(directions[0][2], layers=()))
    base_logits = base[split:]
    baseline_harmful = float(scores(base[:split], langs_harmful).mean())
    baseline_harmless = float(scores(base_logits, langs_harmless).mean())
    rows = []
    num_positions = candidates.shape[1]
    for layer, back, direction in directions:
        # One pass per edit: the ablation's harmful rows give the score, its harmless rows the KL.
        ablated_logits = batched_next_token_logits(model, both, len(both_prompts), Intervention.ablate(direction))
        added_logits = batched_next_token_logits(model, harmless_only, len(harmless),
                                                 Intervention.add(direction, layer))
        rows.append((layer, back - num_positions, float(scores(ablated_logits[:split], langs_harmful).mean()),
                     float(scores(added_logits, langs_harmless).mean()),
                     float(next_token_kl(base_logits, ablated_logits[split:]).mean())))
    table = np.array(rows, dtype=np.float64)
    eligible = (table[:, 3] > 0) & (table[:, 4] < max_kl)
    pool = np.flatnonzero(eligible) if eligible.any() else np.arange(len(table))
    chosen = int(pool[np.argmin(table[pool, 2])])
    return Selection(table[:, 0].astype(int), table[:, 1].astype(int), table[:, 2], table[:, 3], table[:, 4],
                     eligible, chosen, not eligible.any(), baseline_harmful, baseline_harmless)
