"""Tuning with optax: next-token pretraining, SFT and DPO (`tune`), of every weight or of LoRA
adapters (`lora`), resumable and data parallel."""

from alignscope.train.config import METHODS, TuneConfig
from alignscope.train.lora import LoraAdapters, save_adapter
from alignscope.train.trainer import TuneResult, tune

__all__ = ["METHODS", "LoraAdapters", "TuneConfig", "TuneResult", "save_adapter", "tune"]
