"""The subprocess side of the resume and data-parallel tests: one tiny tuning run of a saved
checkpoint, its final weights written to an .npz (one file per mesh).

  python -m tests.tuning.tune_worker CHECKPOINT OUT_DIR --method=sft --meshes="none;data:8" [--lora_rank=2]
      [--checkpoint_dir=D --checkpoint_every=2 --kill_after_save=4 | --then_uninterrupted]

With --kill_after_save=K the process SIGKILLs itself right after the save of update K has been
started (asynchronously: that checkpoint may or may not be complete on disk).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import pathlib
import signal

import jax
import numpy as np

from alignscope import engine
from alignscope.train import trainer
from tests.tuning.conftest import PROMPTS, RESPONSES
from tests.tuning.test_losses import REJECTED


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("checkpoint")
    parser.add_argument("out_dir")
    parser.add_argument("--method", default="sft")
    parser.add_argument("--meshes", default="none")
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--batch_size", type=int, default=4)
    parser.add_argument("--grad_accum", type=int, default=1)
    parser.add_argument("--checkpoint_dir")
    parser.add_argument("--checkpoint_every", type=int, default=0)
    parser.add_argument("--lora_rank", type=int, default=0)
    parser.add_argument("--kill_after_save", type=int)
    parser.add_argument("--then_uninterrupted", action="store_true",
                        help="then run again without checkpoints, into uninterrupted.npz")
    args = parser.parse_args()

    if args.kill_after_save is not None:
        save = trainer.TrainingCheckpoints.save

        def save_then_die(self, step, *rest):
            save(self, step, *rest)
            if step == args.kill_after_save:
                os.kill(os.getpid(), signal.SIGKILL)

        trainer.TrainingCheckpoints.save = save_then_die

    tokenizer = engine.load_tokenizer(args.checkpoint)
    data = {"dpo": (PROMPTS, RESPONSES, REJECTED), "sft": (PROMPTS, RESPONSES), "pretrain": PROMPTS + RESPONSES}
    config = engine.TuneConfig(method=args.method, steps=args.steps, batch_size=args.batch_size,
                               grad_accum=args.grad_accum, learning_rate=3e-3, warmup_steps=2, weight_decay=0.01,
                               chat_template=args.method != "pretrain", max_length=64,
                               checkpoint_every=args.checkpoint_every, lora_rank=args.lora_rank,
                               lora_targets=("q_proj", "v_proj", "down_proj"))
    runs = [(spec, spec, args.checkpoint_dir) for spec in args.meshes.split(";")]
    if args.then_uninterrupted:
        runs.append(("uninterrupted", "none", None))
    for name, spec, checkpoint_dir in runs:
        mesh = None if spec == "none" else engine.make_mesh(spec)
        run_config = config if checkpoint_dir else dataclasses.replace(config, checkpoint_every=0)
        result = engine.tune(engine.load_model(args.checkpoint), tokenizer, data[args.method], run_config, mesh=mesh,
                             checkpoint_dir=checkpoint_dir, progress=False)
        leaves = jax.tree_util.tree_leaves_with_path(result.model.params)
        np.savez(pathlib.Path(args.out_dir) / f"{name.replace(':', '_').replace(',', '_')}.npz",
                 loss=result.history["loss"].to_numpy(),
                 **{jax.tree_util.keystr(path): np.asarray(leaf) for path, leaf in leaves})


if __name__ == "__main__":
    main()
