"""Tuning with optax: next-token pretraining, SFT and DPO (`tune`), resumable and data parallel."""

from engine.tuning.config import METHODS, TuneConfig
from engine.tuning.trainer import TuneResult, tune

__all__ = ["METHODS", "TuneConfig", "TuneResult", "tune"]
