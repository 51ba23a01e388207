"""Models: the architecture configs, the one Flax decoder, the family parsers and weight maps, the
`Model` record with its jitted forward passes, and the residual-stream edits it executes. No I/O.

Modules: `config` (`DecoderConfig`), `decoder` (the Flax decoder), `families` (config.json parsers
and weight maps per architecture), `weights` (weight-map entries), `model` (`Model`), `forward`
(the jitted passes), `edits` and `intervention` (`Intervention` -> arrays the scan reads),
`surgery` (untying, orthogonalisation), `dtypes`, `identity` (digest of weights in memory).
"""

from alignscope.models.config import DecoderConfig
from alignscope.models.families import config_json, parse_config, supported_architectures
from alignscope.models.intervention import Intervention
from alignscope.models.model import Model

__all__ = ["DecoderConfig", "Intervention", "Model", "config_json", "parse_config", "supported_architectures"]
