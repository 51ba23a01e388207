"""make_gemma_lineage on a tiny random Gemma 3 base (--quick): what it writes (a bfloat16 PEFT
adapter that PEFT applies as we do, the chat template, Gemma's terms, build.json), that DPO
continues the SFT adapter, and that a rerun resumes from the saved states instead of training."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
import transformers

from alignscope import engine
from alignscope.data import gemma_lineage
from alignscope.errors import AlignscopeError
from alignscope.experiments import inputs
from tests.models.hf_reference import save_tiny_model, save_tiny_tokenizer

pytestmark = pytest.mark.xdist_group("make_gemma_lineage")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(tiny base dir, adapters dir, work dir, the two runs' outputs)."""
    root = tmp_path_factory.mktemp("lineage")
    base = root / "base"
    tokenizer = save_tiny_tokenizer(base, vocab_size=320)
    config = transformers.Gemma3TextConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
        num_key_value_heads=1, head_dim=16, query_pre_attn_scalar=16, sliding_window=4, max_position_embeddings=256,
        layer_types=["sliding_attention", "full_attention"], bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    save_tiny_model(config, base)
    command = [sys.executable, "-m", "experiments.make_gemma_lineage", "--quick", f"--base={base}",
               "--models=aligned-en", f"--adapters_dir={root / 'adapters'}", f"--output_dir={root / 'out'}"]
    runs = [subprocess.run(command, capture_output=True, text=True, timeout=600) for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stderr[-3000:]
    return base, root / "adapters" / "aligned-en", root / "out" / "make_gemma_lineage" / "aligned-en", runs


def test_the_sibling_is_a_peft_adapter_with_template_terms_and_record(built):
    base, adapter, _, _ = built
    names = {path.name for path in adapter.iterdir()}
    assert {"adapter_config.json", "adapter_model.safetensors", "chat_template.jinja", "GEMMA_TERMS.html",
            "NOTICE.md", "build.json"} <= names
    assert (adapter / "chat_template.jinja").read_text() == gemma_lineage.CHAT_TEMPLATE_FILE.read_text()
    record = json.loads((adapter / "build.json").read_text())
    assert record["languages"] == ["en"] and record["pairs"] == 8
    assert record["stages"]["sft"]["updates"] == 2 and record["stages"]["dpo"]["updates"] == 2
    header = json.loads((adapter / "adapter_model.safetensors").read_bytes()[8:][
        :int.from_bytes((adapter / "adapter_model.safetensors").read_bytes()[:8], "little")])
    assert {entry["dtype"] for name, entry in header.items() if name != "__metadata__"} == {"BF16"}

    # PEFT applies the bfloat16 adapter to the transformers model as load_model(adapter=) does.
    peft = pytest.importorskip("peft")
    torch_model = peft.PeftModel.from_pretrained(
        transformers.AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32), adapter).eval()
    ids = np.array([[2, 17, 45, 99, 7, 230, 61]], dtype=np.int32)
    with torch.no_grad():
        expected = torch_model(torch.tensor(ids, dtype=torch.long)).logits.numpy()
    ours = engine.load_model(base, adapter=adapter).logits(ids, np.ones_like(ids))
    plain = engine.load_model(base).logits(ids, np.ones_like(ids))
    assert np.abs(np.asarray(ours) - np.asarray(plain)).max() > 1e-3  # the adapter changes the model
    np.testing.assert_allclose(np.asarray(ours), expected, rtol=1e-4, atol=1e-4)


def test_dpo_continues_the_sft_adapter_and_a_rerun_trains_nothing(built):
    _, _, work, runs = built
    sft = pd.read_csv(work / "sft" / "history.csv")
    dpo = pd.read_csv(work / "dpo" / "history.csv")
    # DPO's reference is the SFT model, so its first margins are 0 and the first loss is log 2.
    np.testing.assert_allclose(dpo["loss"].iloc[0], np.log(2), rtol=1e-4)
    assert len(sft) == 2 and len(dpo) == 2
    # The second run restored both finished states: its histories (seconds included) are the
    # first run's, and it logged the resumption instead of training.
    assert "resuming sft from update 2 of 2" in runs[1].stderr and "resuming dpo from update 2 of 2" in runs[1].stderr
    assert "resuming" not in runs[0].stderr


def test_the_named_lineage_takes_its_sources_and_the_adapters_template(built, monkeypatch):
    base, adapter, _, _ = built
    monkeypatch.setitem(inputs.LINEAGES, gemma_lineage.LINEAGE,
                        lambda: {"base": str(base), "aligned-en": str(adapter)})
    sources = inputs.model_sources(None, None, gemma_lineage.LINEAGE)
    assert list(sources) == ["base", "aligned-en"]
    tokenizer = inputs.load_tokenizer(sources)
    assert tokenizer.chat_template == gemma_lineage.CHAT_TEMPLATE_FILE.read_text()
    assert "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n" in tokenizer.apply_chat_template(
        [{"role": "user", "content": "Hi"}], tokenize=False, add_generation_prompt=True)
    with pytest.raises(AlignscopeError, match="drop --base"):
        inputs.model_sources(str(base), None, gemma_lineage.LINEAGE)
    with pytest.raises(AlignscopeError, match="accepted: demo"):
        inputs.model_sources(None, None, "gemma3-1b-lineage")
