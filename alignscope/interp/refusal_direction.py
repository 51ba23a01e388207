"""The refusal direction (Arditi et al. 2024): difference-in-means candidates and their selection.

Candidates: for each block l in 1 <= l < 0.8 L and each post-instruction position p (the chat
template's tokens after the user's text, counted back from the end of the input), the mean hidden
state entering block l at p over harmful prompts minus that over harmless prompts. Without a chat
template the one position is the prompt's last token. The states are pooled extractions (pooling
`last`, `last-1`, ...: `position_poolings`), so they can come from the activation store.

Selection, on validation prompts: a candidate is eligible when adding it at its block makes
harmless prompts refused (mean refusal score > 0) and ablating it at every block moves harmless
prompts' next-token distributions little (mean KL(base || ablated) < `max_kl`); the selected one
has the lowest mean refusal score on harmful prompts under ablation. When none is eligible, the
fallback is the lowest refusal score among those with KL < `max_kl` (among all when none is).

Cost: each score is a forward pass over the validation prompts per candidate (blocks x positions,
over a hundred for a 30-block model), so the rule runs on a shortlist made by a first, cheap score
on the `SCREEN_PROMPTS` shortest prompts of each class (`screen`): the `SHORTLIST` blocks whose
candidates, ablated together, lower the refusal score most, then those blocks' candidates ablated
one by one: the rule's fallback (the lowest refusal score with KL < `max_kl`, else the lowest),
then by refusal score among those with KL < `max_kl` there, then by KL. The `SHORTLIST` first
are scored in full, and additions only in ascending order of the full ablation score until one is
eligible (the choice scoring every addition would make). With a shortlist of every candidate the
rule is Arditi et al.'s, unchanged.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from alignscope.errors import AlignscopeError
from alignscope.runtime import pooling
from alignscope.runtime.encoding import encode_texts, template_frame
from alignscope.models.intervention import Intervention, Interventions
from alignscope.models.model import Model
from alignscope.interp.refusal import demo_refusal_tokens, log_odds, next_token_logits

MAX_KL = 0.1
MAX_LAYER_FRACTION = 0.8
# The first, cheap score: ablations on this many prompts per class; this many blocks, then
# candidates, go on.
SCREEN_PROMPTS = 2
SHORTLIST = 3


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
    """The candidates' validation scores and the chosen one. Scores a stage did not compute are NaN.

    Attributes:
      layers: the candidates' blocks `[C]`.
      positions: the candidates' positions `[C]`, counted back from the input's end (-1 the last token).
      screen_block, screen_harmful, screen_kl: `[C]` the first, cheap score (`Screen`: block_harmful,
        harmful, kl); NaN where not computed, for all when nothing was screened.
      ablated_harmful: `[C]` mean refusal score of harmful prompts with the candidate ablated everywhere
        (the shortlisted candidates).
      kl_harmless: `[C]` mean KL(base || ablated) of harmless prompts' next-token distributions (the
        shortlisted candidates).
      added_harmless: `[C]` mean refusal score of harmless prompts with it added at its block (the
        shortlisted candidates with kl_harmless < max_kl, in ascending ablated_harmful, until one is
        eligible).
      eligible: `[C]` bool, known to have added_harmless > 0 and kl_harmless < max_kl.
      chosen: index of the selected candidate: the eligible one with the lowest ablated_harmful, or,
        when no shortlisted candidate is eligible, the lowest ablated_harmful among those with
        kl_harmless < max_kl, else among all (`fallback` True).
      fallback: whether no shortlisted candidate was eligible.
      baseline_harmful, baseline_harmless: mean refusal scores without intervention.
    """

    layers: np.ndarray
    positions: np.ndarray
    screen_block: np.ndarray
    screen_harmful: np.ndarray
    screen_kl: np.ndarray
    ablated_harmful: np.ndarray
    kl_harmless: np.ndarray
    added_harmless: np.ndarray
    eligible: np.ndarray
    chosen: int
    fallback: bool
    baseline_harmful: float
    baseline_harmless: float


@dataclasses.dataclass(frozen=True)
class Scorer:
    """Next-token logits of prompts under an edit, and their mean refusal score.

    Attributes:
      tokens: per language, its refusal token ids (`demo_refusal_tokens`).
      chat_template, batch_size, max_length: as in `interp.refusal.next_token_logits`.
    """

    model: Model
    tokenizer: object
    tokens: dict[str, list[int]]
    chat_template: bool
    batch_size: int
    max_length: int

    def logits(self, prompts: Sequence[str], edit: Interventions) -> np.ndarray:
        """`[len(prompts), vocab]` float32 next-token logits under `edit`."""
        return next_token_logits(self.model, self.tokenizer, prompts, self.chat_template, edit,
                                 batch_size=self.batch_size, max_length=self.max_length)

    def score(self, logits: np.ndarray, langs: Sequence[str]) -> float:
        """The mean refusal log-odds of next-token logits `[N, vocab]` of prompts in `langs` `[N]`."""
        return float(np.mean([log_odds(row, self.tokens[lang]) for row, lang in zip(logits, langs)]))

    def shortest(self, prompts: Sequence[str], count: int) -> np.ndarray:
        """Indices of the `count` shortest prompts in tokens (the cheapest to score), in order."""
        encoded = encode_texts(self.tokenizer, prompts, self.max_length, self.chat_template)
        return np.argsort([len(item.ids) for item in encoded], kind="stable")[:count]


def select_direction(model: Model, tokenizer, candidates: np.ndarray, layers: Sequence[int],
                     harmful: Sequence[str], harmless: Sequence[str], langs_harmful: Sequence[str],
                     langs_harmless: Sequence[str], *, chat_template: bool = True, max_kl: float = MAX_KL,
                     shortlist: int = SHORTLIST, screen_prompts: int = SCREEN_PROMPTS, batch_size: int = 32,
                     max_length: int = 512) -> Selection:
    """Scores the candidates `[len(layers), positions, d_model]` on validation prompts and selects one
    by Arditi et al.'s rule among a shortlist (module docstring). Refusal scores use each language's
    default tokens; `chat_template` as in `refusal_score`.

    Args:
      shortlist: how many blocks, and then candidates, the first score keeps (`screen`); 0 (or at
        least the number of candidates): every candidate is scored in full, Arditi et al.'s rule.
      screen_prompts: prompts per class of the first score (the shortest ones).
    """
    harmful, harmless = list(harmful), list(harmless)
    if len(langs_harmful) != len(harmful) or len(langs_harmless) != len(harmless):
        raise AlignscopeError(f"langs has {len(langs_harmful)} and {len(langs_harmless)} entries for "
                              f"{len(harmful)} harmful and {len(harmless)} harmless prompts")
    index = [(layer, back) for layer_index, layer in enumerate(layers) for back in range(candidates.shape[1])
             if np.any(candidates[layer_index, back])]
    if not index:
        raise AlignscopeError("every difference-in-means candidate is zero; harmful and harmless prompts give "
                              "identical states")
    directions = np.stack([candidates[list(layers).index(layer), back] for layer, back in index])
    tokens = {lang: demo_refusal_tokens(tokenizer, lang) for lang in set(langs_harmful) | set(langs_harmless)}
    scorer = Scorer(model, tokenizer, tokens, chat_template, batch_size, max_length)
    blocks = np.array([layer for layer, _ in index])
    count, split = len(index), len(harmful)
    # The baseline is an ablation at no block: the numbers of no intervention (bit for bit), from the
    # program the candidates' edits compile (one compile per bucket instead of two).
    base = scorer.logits(harmful + harmless, Intervention.ablate(directions[0], layers=()))
    if 0 < shortlist < count:
        screened = screen(scorer, directions, blocks, harmful, harmless, langs_harmful, base[split:], shortlist,
                          screen_prompts, max_kl)
    else:
        screened = Screen(*(np.full(count, np.nan) for _ in range(3)), np.arange(count))
    keep = screened.shortlist
    ablated, kl, added = (np.full(count, np.nan) for _ in range(3))
    for i in keep:  # one pass per candidate: its harmful rows give the score, its harmless rows the KL
        edited = scorer.logits(harmful + harmless, Intervention.ablate(directions[i]))
        ablated[i] = scorer.score(edited[:split], langs_harmful)
        kl[i] = float(next_token_kl(base[split:], edited[split:]).mean())
    # The eligible candidate with the lowest ablated score is the first eligible one in ascending
    # order: additions are scored in that order until one induces refusal.
    chosen = None
    for i in sorted((i for i in keep if kl[i] < max_kl), key=lambda i: (ablated[i], i)):
        added[i] = scorer.score(scorer.logits(harmless, Intervention.add(directions[i], blocks[i])), langs_harmless)
        if added[i] > 0:
            chosen = i
            break
    fallback = chosen is None
    if fallback:
        chosen = _fallback(keep, ablated, kl, max_kl)
    return Selection(blocks, np.array([back - candidates.shape[1] for _, back in index]), screened.block_harmful,
                     screened.harmful, screened.kl, ablated, kl, added, (added > 0) & (kl < max_kl), int(chosen),
                     fallback, scorer.score(base[:split], langs_harmful), scorer.score(base[split:], langs_harmless))


@dataclasses.dataclass(frozen=True)
class Screen:
    """The first, cheap score (`screen`).

    Attributes:
      block_harmful: `[C]` per candidate, its block's score: the screening harmful prompts' mean
        refusal score with every candidate of the block ablated at once; NaN when not screened.
      harmful: `[C]` the screening harmful prompts' mean refusal score with the candidate ablated
        alone (candidates of the kept blocks; NaN for the others).
      kl: `[C]` the screening harmless prompts' mean KL(base || ablated), from the same pass.
      shortlist: the indices of the candidates to score in full, ascending.
    """

    block_harmful: np.ndarray
    harmful: np.ndarray
    kl: np.ndarray
    shortlist: np.ndarray


def screen(scorer: Scorer, directions: np.ndarray, blocks: np.ndarray, harmful: list[str], harmless: list[str],
           langs_harmful: Sequence[str], base_harmless: np.ndarray, keep: int, prompts: int,
           max_kl: float) -> Screen:
    """Ranks the candidates `directions` `[C, d_model]` (at `blocks` `[C]`) on the `prompts` shortest
    prompts of each class, one forward pass each for `keep` blocks' candidates and one per block:

    1. per block, every candidate of the block ablated at once (their span, orthonormalised): the
       `keep` blocks whose span's ablation leaves the harmful prompts the lowest refusal score stay
       (ablating one direction of a span removes less than ablating the span);
    2. each candidate of those blocks ablated alone: the rule's fallback when none is eligible
       (`_fallback`), then those with KL < `max_kl` on the harmless prompts by their harmful
       refusal score, lowest first, then the others by KL; the `keep` first are the shortlist.

    `base_harmless`: `[len(harmless), vocab]` the harmless prompts' logits without intervention.
    """
    a, b = scorer.shortest(harmful, prompts), scorer.shortest(harmless, prompts)
    texts, langs = [harmful[i] for i in a] + [harmless[i] for i in b], [langs_harmful[i] for i in a]
    count = len(directions)
    block_harmful, screen_harmful, screen_kl = (np.full(count, np.nan) for _ in range(3))
    for block in np.unique(blocks):
        members = np.flatnonzero(blocks == block)
        basis, strength = np.linalg.qr(directions[members].T.astype(np.float64))
        span = basis[:, np.abs(np.diag(strength)) > 1e-6 * np.abs(strength).max()].T
        edits = [Intervention.ablate(vector) for vector in span]
        block_harmful[members] = scorer.score(scorer.logits(texts[:len(a)], edits), langs)
    kept_blocks = np.unique(blocks)[np.argsort([block_harmful[blocks == block][0] for block in np.unique(blocks)],
                                               kind="stable")[:keep]]
    for i in np.flatnonzero(np.isin(blocks, kept_blocks)):
        edited = scorer.logits(texts, Intervention.ablate(directions[i]))
        screen_harmful[i] = scorer.score(edited[:len(a)], langs)
        screen_kl[i] = float(next_token_kl(base_harmless[b], edited[len(a):]).mean())
    screened = np.flatnonzero(~np.isnan(screen_harmful))
    lowest = _fallback(screened, screen_harmful, screen_kl, max_kl)  # the choice if none is eligible
    order = sorted(screened, key=lambda i: (i != lowest, screen_kl[i] >= max_kl,
                                           screen_harmful[i] if screen_kl[i] < max_kl else screen_kl[i]))
    return Screen(block_harmful, screen_harmful, screen_kl, np.sort(np.asarray(order[:keep], dtype=int)))


def _fallback(indices: np.ndarray, harmful: np.ndarray, kl: np.ndarray, max_kl: float) -> int:
    """Returns the index in `indices` of the lowest `harmful` score among those with `kl` < `max_kl`,
    or among all of them when none is: a candidate whose ablation changes harmless prompts' next
    token a lot lowers the refusal score by breaking the model, not by removing refusal."""
    indices = np.asarray(indices)
    calm = indices[kl[indices] < max_kl]
    pool = calm if calm.size else indices
    return int(pool[np.argmin(harmful[pool])])
