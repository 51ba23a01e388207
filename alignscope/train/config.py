"""`TuneConfig`: what a tuning run does (method, schedule, batch, loss options), checked on creation."""

from __future__ import annotations

import dataclasses

from alignscope.errors import AlignscopeError

METHODS = ("pretrain", "sft", "dpo")


@dataclasses.dataclass(frozen=True, kw_only=True)
class TuneConfig:
    """One tuning run.

    Attributes:
      method: `pretrain` (next-token loss on every token of texts), `sft` (loss on response
        tokens only) or `dpo` (Rafailov et al. 2023, sigmoid loss against a frozen reference).
      steps: optimiser updates.
      batch_size: examples per update (texts, pairs or preference pairs); with `grad_accum`
        they are split into `grad_accum` micro-batches of `batch_size // grad_accum`.
      learning_rate: the peak learning rate of AdamW.
      warmup_steps: updates over which the rate rises linearly to its peak (update k of W gets
        peak * k / (W + 1)); then cosine decay to 0 at `steps`.
      weight_decay: AdamW's decoupled weight decay, on every parameter.
      max_grad_norm: gradients are clipped to this global norm; 0 disables clipping.
      grad_accum: micro-batches per update (same result as one batch, less memory).
      seed: the data order (a fresh permutation of the examples each epoch).
      beta: DPO's inverse temperature.
      label_smoothing: DPO's assumed label-noise rate epsilon in [0, 0.5) (conservative DPO).
      max_length: longest sequence in tokens; longer responses lose their last tokens.
      chat_template: render prompts as a user turn with the tokenizer's chat template.
      append_eos: end responses (and pretraining texts) with the EOS token.
      param_dtype: dtype of the trained (master) weights; None keeps the model's.
      compute_dtype: dtype of the forward and backward pass; None keeps the model's.
      checkpoint_every: save the training state every this many updates (needs a
        checkpoint_dir); 0: never.
      remat: recompute each block and each LM-head chunk in the backward pass (`jax.checkpoint`),
        so activation memory does not grow with depth x sequence; False keeps them (more memory,
        about a third less compute: small models on CPU).
      lora_rank: 0 trains every weight; r > 0 trains LoRA factors of rank r on `lora_targets`
        only, the base frozen (`train.lora`).
      lora_alpha: LoRA's alpha; the update is scaled by alpha / r.
      lora_targets: the adapted linear layers, as PEFT's `target_modules` (e.g. q_proj, v_proj).
    """

    method: str
    steps: int
    batch_size: int
    learning_rate: float
    warmup_steps: int = 0
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    grad_accum: int = 1
    seed: int = 0
    beta: float = 0.1
    label_smoothing: float = 0.0
    max_length: int = 512
    chat_template: bool = False
    append_eos: bool = True
    param_dtype: str | None = None
    compute_dtype: str | None = None
    checkpoint_every: int = 0
    remat: bool = True
    lora_rank: int = 0
    lora_alpha: float = 16.0
    lora_targets: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise AlignscopeError(f"tuning method {self.method!r} is unknown; accepted: {', '.join(METHODS)}")
        for name in ("steps", "batch_size", "grad_accum", "max_length"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise AlignscopeError(f"{name} must be a positive integer, not {value!r}")
        for name in ("warmup_steps", "checkpoint_every", "seed", "lora_rank"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise AlignscopeError(f"{name} must be a non-negative integer, not {value!r}")
        if self.batch_size % self.grad_accum:
            raise AlignscopeError(f"batch_size={self.batch_size} is not a multiple of grad_accum={self.grad_accum}")
        if not self.learning_rate > 0:
            raise AlignscopeError(f"learning_rate must be positive, not {self.learning_rate!r}")
        if not (self.weight_decay >= 0 and self.max_grad_norm >= 0 and self.beta > 0):
            raise AlignscopeError("weight_decay and max_grad_norm must be >= 0 and beta > 0")
        if not 0 <= self.label_smoothing < 0.5:
            raise AlignscopeError(f"label_smoothing must be in [0, 0.5), not {self.label_smoothing!r}")
        if self.lora_rank and not (self.lora_alpha > 0 and self.lora_targets):
            raise AlignscopeError("LoRA needs lora_alpha > 0 and at least one of lora_targets")
        object.__setattr__(self, "lora_targets", tuple(self.lora_targets))
        if self.compute_dtype == "float16" or self.param_dtype == "float16":
            raise AlignscopeError("float16 training would need loss scaling; use bfloat16 or float32")

    @property
    def micro_batch(self) -> int:
        """Examples per micro-batch."""
        return self.batch_size // self.grad_accum
