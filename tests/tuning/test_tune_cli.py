"""`python -m experiments.tune`: a LoRA DPO run from a table file saves a loadable checkpoint, its
adapter in PEFT's layout, the history and the loss curve; bad input is one line and exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd

from alignscope import engine
from tests.tuning.conftest import PROMPTS, RESPONSES
from tests.tuning.test_losses import REJECTED


def _run(*flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "experiments.tune", *flags], capture_output=True, text=True,
                          timeout=600)


def test_dpo_from_a_table_saves_model_history_and_curve(tiny, tmp_path):
    directory = tiny[0]
    table = tmp_path / "pairs.jsonl"
    pd.DataFrame({"prompt": PROMPTS, "chosen": RESPONSES, "rejected": REJECTED}).to_json(
        table, orient="records", lines=True, force_ascii=False)
    run = _run("--method=dpo", f"--model={directory}", f"--reference={directory}", f"--data={table}", "--steps=3",
               "--batch_size=2", "--warmup_steps=1", "--lora_rank=2", "--lora_targets=q_proj,down_proj",
               f"--output_dir={tmp_path / 'out'}")
    assert run.returncode == 0, run.stderr[-3000:]
    history = pd.read_csv(tmp_path / "out/history.csv")
    assert history["step"].tolist() == [1, 2, 3] and {"loss", "reward_accuracy", "tokens_per_s"} <= set(history)
    assert (tmp_path / "out/loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads((tmp_path / "out/model/config.json").read_text())
    assert saved["alignscope_tuning"]["method"] == "dpo"
    tuned, start = engine.load_model(tmp_path / "out/model"), engine.load_model(directory)
    assert tuned.identity != start.identity
    assert (tmp_path / "out/model/tokenizer.json").is_file()
    # The LoRA adapter, in PEFT's layout, read back onto the base: the saved merged model.
    adapter = json.loads((tmp_path / "out/adapter/adapter_config.json").read_text())
    assert adapter["r"] == 2 and adapter["target_modules"] == ["down_proj", "q_proj"]
    ids, mask = np.array([[1, 40, 41, 42]], np.int32), np.ones((1, 4), np.int32)
    reread = engine.load_model(directory, adapter=tmp_path / "out/adapter")
    np.testing.assert_allclose(np.asarray(reread.logits(ids, mask)),
                               np.asarray(tuned.logits(ids, mask)), atol=1e-5, rtol=0)


def test_bad_data_exits_2_with_one_line(tmp_path):
    run = _run("--method=sft", f"--data={tmp_path / 'missing.csv'}", f"--output_dir={tmp_path}")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1] == f"error: --data='{tmp_path / 'missing.csv'}' is neither `demo` nor a table file"
