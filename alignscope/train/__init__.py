"""Tuning with optax: next-token pretraining, SFT and DPO (`tune`), resumable and data parallel."""

from alignscope.train.config import METHODS, TuneConfig
from alignscope.train.trainer import TuneResult, tune

__all__ = ["METHODS", "TuneConfig", "TuneResult", "tune"]
