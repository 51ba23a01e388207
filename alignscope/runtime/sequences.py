"""(prompt, response) pairs -> token ids and the mask of the tokens that are scored.

The one tokenization of scored sequences: `engine.response_logprobs`, SFT, DPO and pretraining
all go through `encode_sequences`, so training and scoring see the same token boundaries.

Convention: the prompt's ids are the tokenizer's encoding of the prompt with its special tokens
(with `chat_template`, of the rendered user turn with the generation prompt, whose special
tokens are the template's); the response's ids are `tokenizer(response, add_special_tokens=False)`,
plus EOS when `append_eos`. A pretraining text is a response to the empty prompt (its ids are
then BOS, if the tokenizer adds one, and the text's). Token t is scored as
log p(ids[t] | ids[:t]); the first token of a sequence has no context and is never scored.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from alignscope.errors import AlignscopeError
from alignscope.runtime.encoding import render, template_frame


@dataclasses.dataclass(frozen=True)
class EncodedSequence:
    """One scored sequence.

    Attributes:
      ids: `[n]` int32 token ids, the prompt's then the response's.
      scored: `[n]` bool, which tokens count in the log-probability (or the loss).
      truncated: whether response tokens were cut to fit `max_length`.
    """

    ids: np.ndarray
    scored: np.ndarray
    truncated: bool


def encode_sequences(tokenizer, prompts: Sequence[str], responses: Sequence[str], chat_template: bool = False,
                     append_eos: bool = False, max_length: int | None = None,
                     score_prompt: bool = False) -> list[EncodedSequence]:
    """Tokenizes (prompt, response) pairs by the module's convention.

    Args:
      tokenizer: a transformers tokenizer (with a chat template when `chat_template`).
      prompts, responses: aligned sequences of strings.
      chat_template: render each prompt as a user turn with the generation prompt.
      append_eos: end each response with the tokenizer's EOS token.
      max_length: cut the response's last tokens so a sequence has at most this many tokens;
        None: no limit.
      score_prompt: score the prompt's tokens too (pretraining on chat-format text); the
        default scores the response's only.

    Raises:
      AlignscopeError: misaligned inputs, a non-string, append_eos without an EOS token, or a
        prompt that leaves no room for a response token within `max_length`.
    """
    prompts, responses = list(prompts), list(responses)
    if len(prompts) != len(responses):
        raise AlignscopeError(f"{len(prompts)} prompts but {len(responses)} responses; give one response per prompt")
    if not all(isinstance(text, str) for text in prompts + responses):
        raise AlignscopeError("prompts and responses must be strings")
    eos = tokenizer.eos_token_id
    if append_eos and eos is None:
        raise AlignscopeError("append_eos was asked for, but the tokenizer has no EOS token; run without it")
    if not prompts:
        return []
    if chat_template:
        frame = template_frame(tokenizer)
        rendered = [render(tokenizer, prompt, frame)[0] for prompt in prompts]
    else:
        rendered = prompts
    prompt_ids = tokenizer(rendered, add_special_tokens=not chat_template, return_attention_mask=False)["input_ids"]
    response_ids = tokenizer(responses, add_special_tokens=False, return_attention_mask=False)["input_ids"]
    results = []
    for index, (prompt, response) in enumerate(zip(prompt_ids, response_ids)):
        response = list(response) + ([eos] if append_eos else [])
        truncated = False
        if max_length is not None and len(prompt) + len(response) > max_length:
            room = max_length - len(prompt)
            if room < 1 or (room < 2 and not prompt):
                raise AlignscopeError(f"max_length={max_length} leaves no room for a response token after "
                                      f"prompt {index}'s {len(prompt)} tokens; raise max_length")
            response, truncated = response[:room], True
        ids = np.asarray(list(prompt) + response, dtype=np.int32)
        scored = np.zeros(len(ids), dtype=bool)
        scored[0 if score_prompt else len(prompt):] = True
        scored[:1] = False
        results.append(EncodedSequence(ids, scored, truncated))
    return results


def padded_sequences(sequences: Sequence[EncodedSequence], rows: int, length: int, pad_id: int,
                     side: str = "right") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Returns `input_ids` int32, `attention_mask` int32 and `scored` bool, each `[rows, length]`.

    Rows past the given sequences are empty (mask 0, nothing scored). `side` is where padding
    goes (`right` or `left`); the model's positions count from each row's first real token, so
    the side changes no value.
    """
    if side not in ("left", "right"):
        raise AlignscopeError(f"padding side {side!r} is unknown; accepted: left, right")
    ids = np.full((rows, length), pad_id, dtype=np.int32)
    mask = np.zeros((rows, length), dtype=np.int32)
    scored = np.zeros((rows, length), dtype=bool)
    for row, sequence in enumerate(sequences):
        n = len(sequence.ids)
        cols = slice(0, n) if side == "right" else slice(length - n, length)
        ids[row, cols], mask[row, cols], scored[row, cols] = sequence.ids, 1, sequence.scored
    return ids, mask, scored


def pad_id(tokenizer) -> int:
    """Returns the id padding uses: the tokenizer's pad token, else its EOS, else 0 (masked anyway)."""
    for candidate in (tokenizer.pad_token_id, tokenizer.eos_token_id):
        if candidate is not None:
            return int(candidate)
    return 0
