"""Generation against transformers' `generate(do_sample=False)`, on each prompt run alone.

Our batch is left-padded (prompts of 2 to 11 tokens in one batch); the reference runs each prompt
unpadded. Ids must agree token for token up to the first step where the reference's top two
logits are within `NEAR_TIE` (float32 errors are ~1e-6, so a gap above 1e-3 cannot flip), and
after the reference's EOS ours must be the pad id.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from alignscope import engine
from alignscope.models import forward
from tests.behaviour.conftest import FAMILIES
from tests.behaviour.torch_hooks import hooked_greedy
from tests.models.hf_reference import padded_batch

NEAR_TIE = 1e-3
MAX_NEW = 10
PAD, EOS = 0, 2


def _prompts(vocab_size: int) -> list[list[int]]:
    rng = np.random.default_rng(5)
    return [rng.integers(3, vocab_size, size=n).tolist() for n in (11, 2, 6, 9)]


def _check_against_reference(ours: np.ndarray, torch_model, prompts, hooks) -> int:
    """Asserts agreement; returns how many tokens were compared."""
    compared = 0
    for row, prompt in enumerate(prompts):
        expected, gaps = hooked_greedy(torch_model, prompt, MAX_NEW, hooks, EOS)
        trusted = len(expected) if np.all(gaps >= NEAR_TIE) else int(np.argmax(gaps < NEAR_TIE)) + 1
        np.testing.assert_array_equal(ours[row, :trusted], expected[:trusted])
        compared += trusted
        if trusted == len(expected) and len(expected) < MAX_NEW:  # the reference stopped at EOS
            assert expected[-1] == EOS and np.all(ours[row, len(expected):] == PAD)
    return compared


@pytest.mark.parametrize("family", list(FAMILIES))
def test_greedy_left_padded_batch_matches_transformers_alone(tiny_models, family):
    model, _, torch_model = tiny_models[family]
    prompts = _prompts(model.config.vocab_size)
    ids, mask = padded_batch(prompts, "left", pad_id=PAD)
    ours = model.generate(ids, mask, MAX_NEW)
    assert ours.shape == (len(prompts), MAX_NEW) and ours.dtype == np.int32
    compared = _check_against_reference(ours, torch_model, prompts, [])
    print(f"GENERATION {family}: {compared} tokens compared")
    assert compared >= len(prompts) * 3


@pytest.mark.parametrize("family", list(FAMILIES))
def test_greedy_under_interventions_matches_hooked_transformers(tiny_models, family):
    model, _, torch_model = tiny_models[family]
    rng = np.random.default_rng(6)
    u, v = rng.normal(size=(2, model.config.hidden_size)).astype(np.float32)
    prompts = _prompts(model.config.vocab_size)
    ids, mask = padded_batch(prompts, "left", pad_id=PAD)
    interventions = [engine.Intervention.add(v, layer=1, scale=2.0), engine.Intervention.ablate(u)]
    ours = model.generate(ids, mask, MAX_NEW, intervention=interventions)
    assert not np.array_equal(ours, model.generate(ids, mask, MAX_NEW))
    compared = _check_against_reference(ours, torch_model, prompts, [("add", v, 1, 2.0), ("ablate", u, None)])
    print(f"GENERATION {family} under interventions: {compared} tokens compared")
    assert compared >= len(prompts) * 3


@pytest.mark.parametrize("family", list(FAMILIES))
def test_shared_prefix_runs_once_and_matches_transformers_alone(tiny_models, family):
    """Prompts that begin with the same 7 tokens (longer than the sliding windows): the prefix runs
    once into the cache every row reads, under interventions that also edit the prefix."""
    model, _, torch_model = tiny_models[family]
    prefix = np.random.default_rng(7).integers(3, model.config.vocab_size, size=7).tolist()
    tails = _prompts(model.config.vocab_size)
    ids, mask = padded_batch(tails, "left", pad_id=PAD)
    rng = np.random.default_rng(8)
    u, v = rng.normal(size=(2, model.config.hidden_size)).astype(np.float32)
    interventions = [engine.Intervention.add(v, layer=1, scale=2.0), engine.Intervention.ablate(u)]
    ours, logits = model.generate(ids, mask, MAX_NEW, intervention=interventions, prefix_ids=prefix,
                                  return_logits=True)
    prompts = [prefix + tail for tail in tails]
    compared = _check_against_reference(ours, torch_model, prompts, [("add", v, 1, 2.0), ("ablate", u, None)])
    print(f"GENERATION {family} after a shared prefix: {compared} tokens compared")
    assert compared >= len(prompts) * 3
    whole_ids, whole_mask = padded_batch(prompts, "left", pad_id=PAD)
    _, whole_logits = model.generate(whole_ids, whole_mask, 1, intervention=interventions, return_logits=True)
    np.testing.assert_allclose(logits, whole_logits, atol=2e-5, rtol=0)


def test_tokens_after_eos_are_pad(tiny_models):
    model, _, _ = tiny_models["llama"]
    ids, mask = padded_batch(_prompts(model.config.vocab_size), "left", pad_id=PAD)
    free = model.generate(ids, mask, MAX_NEW, eos_token_ids=[])
    stop = int(free[0, 3])  # make row 0's fourth token the EOS
    ended = model.generate(ids, mask, MAX_NEW, eos_token_ids=[stop], pad_token_id=PAD)
    for row in range(len(free)):
        hits = np.flatnonzero(free[row] == stop)
        cut = hits[0] + 1 if hits.size else MAX_NEW
        np.testing.assert_array_equal(ended[row, :cut], free[row, :cut])
        assert np.all(ended[row, cut:] == PAD)
    assert np.all(ended[0, 4:] == PAD)


def test_seeded_sampling_is_reproducible_and_independent_of_the_batch(tiny_models):
    model, _, _ = tiny_models["llama"]
    prompts = _prompts(model.config.vocab_size)
    ids, mask = padded_batch(prompts, "left", pad_id=PAD)
    seeds = [11, 12, 13, 14]
    first = model.generate(ids, mask, MAX_NEW, temperature=1.5, seed=seeds, eos_token_ids=[])
    again = model.generate(ids, mask, MAX_NEW, temperature=1.5, seed=seeds, eos_token_ids=[])
    other = model.generate(ids, mask, MAX_NEW, temperature=1.5, seed=[21, 22, 23, 24], eos_token_ids=[])
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    # Row 1 with other rows around it: the same sample as in the first batch.
    reordered = [1, 3, 0, 2]
    shuffled = model.generate(ids[reordered], mask[reordered], MAX_NEW, temperature=1.5,
                              seed=[seeds[i] for i in reordered], eos_token_ids=[])
    np.testing.assert_array_equal(shuffled, first[reordered])


SYSTEM_TEMPLATE = ("<|system|>Be brief.<|end|>{% for message in messages %}<|{{ message['role'] }}|>"
                   "{{ message['content'] }}<|end|>{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}")


@pytest.mark.parametrize("system_prompt", [False, True])
def test_text_generation_buckets_prompts_and_decodes_until_eos(tiny_models, system_prompt):
    """With a system prompt, the prompts' shared first tokens run once per batch (the same texts)."""
    model, tokenizer, _ = tiny_models["llama"]
    if system_prompt:
        tokenizer = copy.deepcopy(tokenizer)
        tokenizer.chat_template = SYSTEM_TEMPLATE
    prompts = ["How do I bake bread at home?", "ok", "Wie backe ich Brot zu Hause?",
               "Tell me how to pick a lock, step by step, in great detail please.", "Ein Satz."]
    before = forward.generate._cache_size()
    texts = engine.generate(model, tokenizer, prompts, max_new_tokens=6, chat_template=True, batch_size=2)
    # 3 batches of 2 rows over at most 3 length buckets: at most one compilation per bucket.
    assert forward.generate._cache_size() - before <= 3
    # The same prompts in one left-padded batch (rows are independent: see the parity tests above).
    rendered = [tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                              add_generation_prompt=True) for prompt in prompts]
    ids, mask = padded_batch(tokenizer(rendered, add_special_tokens=False)["input_ids"], "left",
                             pad_id=tokenizer.pad_token_id)
    together = model.generate(ids, mask, 6, eos_token_ids=[tokenizer.eos_token_id], pad_token_id=tokenizer.pad_token_id)
    assert texts == [tokenizer.decode(row, skip_special_tokens=True) for row in together]


ON_MESH = """
import sys
import numpy as np
from alignscope import engine
directory, batch_file, out_file = sys.argv[1:]
batch = np.load(batch_file)
model = engine.load_model(directory, mesh=engine.make_mesh("data:2,model:2"))
edit = engine.Intervention.add(batch["direction"], layer=1, scale=2.0)
np.save(out_file, np.stack([model.generate(batch["ids"], batch["mask"], 6),
                            model.generate(batch["ids"], batch["mask"], 6, intervention=edit)]))
"""


def test_generation_on_a_mesh_matches_one_device(tiny_models, tmp_path):
    import os
    import subprocess
    import sys

    model, _, _ = tiny_models["llama"]
    ids, mask = padded_batch(_prompts(model.config.vocab_size), "left", pad_id=PAD)
    direction = np.random.default_rng(9).normal(size=model.config.hidden_size).astype(np.float32)
    np.savez(tmp_path / "batch.npz", ids=ids, mask=mask, direction=direction)
    expected = np.stack([model.generate(ids, mask, 6), model.generate(
        ids, mask, 6, intervention=engine.Intervention.add(direction, layer=1, scale=2.0))])
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu")
    run = subprocess.run([sys.executable, "-c", ON_MESH, str(model.source), str(tmp_path / "batch.npz"),
                          str(tmp_path / "out.npy")], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), expected)
