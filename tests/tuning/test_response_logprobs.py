"""`engine.response_logprobs` against transformers, each (prompt, response) run alone, and the
tokenization convention of `engine/sequences.py` spelled out independently.

Measured: float32, largest |ours - transformers| about 2e-5 on sums of up to 190 nats (1e-7
relative; transformers' log-softmax taken in float64); asserted at 1e-4 absolute + 1e-6 relative.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from alignscope import engine
from alignscope.errors import AlignscopeError
from alignscope.runtime.sequences import encode_sequences
from tests.tuning.conftest import PROMPTS, RESPONSES

ATOL, RTOL = 1e-4, 1e-6


def _reference_ids(tokenizer, prompt: str, response: str, chat_template: bool, append_eos: bool):
    """The convention, spelled out with the tokenizer's own calls."""
    if chat_template:
        rendered = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                                 add_generation_prompt=True)
        prompt_ids = tokenizer(rendered, add_special_tokens=False)["input_ids"]
    else:
        prompt_ids = tokenizer(prompt)["input_ids"]
    response_ids = tokenizer(response, add_special_tokens=False)["input_ids"]
    return prompt_ids, response_ids + ([tokenizer.eos_token_id] if append_eos else [])


def _transformers_logprob(torch_model, prompt_ids, response_ids) -> float:
    ids = torch.tensor([prompt_ids + response_ids])
    with torch.no_grad():
        logprobs = torch.log_softmax(torch_model(ids).logits[0].double(), dim=-1)
    return float(sum(logprobs[t - 1, ids[0, t]] for t in range(len(prompt_ids), ids.shape[1])))


@pytest.mark.parametrize("chat_template,append_eos,padding_side",
                         [(False, False, "right"), (True, True, "left"), (False, True, "left")])
def test_matches_transformers_run_alone(tiny, chat_template, append_eos, padding_side):
    directory, tokenizer, torch_model = tiny
    model = engine.load_model(directory)
    # batch_size=1 at the longest bucket: several batches and buckets, rows of different lengths.
    ours = engine.response_logprobs(model, tokenizer, PROMPTS, RESPONSES, chat_template, append_eos,
                                    batch_size=1, padding_side=padding_side)
    assert ours.dtype == np.float32 and ours.shape == (len(PROMPTS),)
    expected = [_transformers_logprob(torch_model, *_reference_ids(tokenizer, p, r, chat_template, append_eos))
                for p, r in zip(PROMPTS, RESPONSES)]
    np.testing.assert_allclose(ours, expected, atol=ATOL, rtol=RTOL)
    if not append_eos:  # "ok" has the empty response: nothing scored.
        assert ours[PROMPTS.index("ok")] == 0.0


def test_encoding_follows_the_convention(tiny):
    _, tokenizer, _ = tiny
    for chat_template in (False, True):
        encoded = encode_sequences(tokenizer, PROMPTS, RESPONSES, chat_template, append_eos=True)
        for sequence, prompt, response in zip(encoded, PROMPTS, RESPONSES):
            prompt_ids, response_ids = _reference_ids(tokenizer, prompt, response, chat_template, True)
            assert sequence.ids.tolist() == prompt_ids + response_ids
            assert sequence.scored.tolist() == [False] * len(prompt_ids) + [True] * len(response_ids)


def test_pretraining_sequences_score_every_token_with_a_context(tiny):
    _, tokenizer, _ = tiny
    [plain] = encode_sequences(tokenizer, [""], [RESPONSES[0]], append_eos=True)
    text_ids = tokenizer(RESPONSES[0], add_special_tokens=False)["input_ids"]
    assert plain.ids.tolist() == [tokenizer.bos_token_id] + text_ids + [tokenizer.eos_token_id]
    assert plain.scored.tolist() == [False] + [True] * (len(text_ids) + 1)
    [chat] = encode_sequences(tokenizer, PROMPTS[:1], RESPONSES[:1], chat_template=True, append_eos=True,
                              score_prompt=True)
    assert chat.ids.tolist() == sum(_reference_ids(tokenizer, PROMPTS[0], RESPONSES[0], True, True), [])
    assert chat.scored.tolist() == [False] + [True] * (len(chat.ids) - 1)


def test_max_length_cuts_the_response_and_scores_what_is_left(tiny):
    directory, tokenizer, torch_model = tiny
    prompt_ids, response_ids = _reference_ids(tokenizer, PROMPTS[0], RESPONSES[0], False, True)
    limit = len(prompt_ids) + 3
    [sequence] = encode_sequences(tokenizer, PROMPTS[:1], RESPONSES[:1], append_eos=True, max_length=limit)
    assert sequence.truncated and sequence.ids.tolist() == prompt_ids + response_ids[:3]
    ours = engine.response_logprobs(engine.load_model(directory), tokenizer, PROMPTS[:1], RESPONSES[:1],
                                    append_eos=True, max_length=limit)
    np.testing.assert_allclose(ours, [_transformers_logprob(torch_model, prompt_ids, response_ids[:3])],
                               atol=ATOL, rtol=RTOL)
    with pytest.raises(AlignscopeError, match="no room"):
        encode_sequences(tokenizer, PROMPTS[:1], RESPONSES[:1], max_length=len(prompt_ids))


def test_bad_input_is_one_clear_error(tiny):
    directory, tokenizer, _ = tiny
    model = engine.load_model(directory)
    with pytest.raises(AlignscopeError, match="one response per prompt"):
        engine.response_logprobs(model, tokenizer, PROMPTS, RESPONSES[:2])
    with pytest.raises(AlignscopeError, match="strings"):
        engine.response_logprobs(model, tokenizer, ["a"], [None])
    with pytest.raises(AlignscopeError, match="batch_size"):
        engine.response_logprobs(model, tokenizer, PROMPTS, RESPONSES, batch_size=0)
