"""Interpretability methods on a model: refusal scores and phrases (`refusal`), and refusal
directions by difference in means with Arditi et al.'s selection (`refusal_direction`).

The interventions themselves (`Intervention.ablate`, `.add`) are data the decoder executes, so
they live in `alignscope.models.intervention`; `Model.orthogonalized` bakes an ablation into the
weights.
"""

from alignscope.interp.refusal import is_refusal, refusal_score

__all__ = ["is_refusal", "refusal_score"]
