"""Command lines built from config dataclasses: every entrypoint declares exactly its config's fields
as flags, each with help and the config's default; the flags users have keep their names and
defaults; parsed flags give the config back; a flag a command does not read is absl's unknown flag."""

from __future__ import annotations

import dataclasses
import importlib

import pytest
from absl import flags as absl_flags

from alignscope.errors import AlignscopeError
from alignscope.experiments import cli, flags, harness
from alignscope.experiments.refusal import RefusalConfig
from alignscope.experiments.separation import SeparationConfig


def _entrypoint(name: str) -> flags.Command:
    return importlib.import_module(cli.MODULES.get(name, f"alignscope.experiments.{name}")).main


def _defined(config_type: type) -> absl_flags.FlagValues:
    flag_values = absl_flags.FlagValues()
    flags.define(config_type, flag_values)
    return flag_values


@pytest.mark.parametrize("name", list(cli.ENTRYPOINTS))
def test_every_flag_is_a_config_field_with_help_and_its_default(name):
    command = _entrypoint(name)
    assert isinstance(command, flags.Command)
    flag_values = _defined(command.config_type)
    defaults = flags.flat(command.config_type())
    assert set(flag_values) == set(defaults)
    for flag_name, default in defaults.items():
        flag = flag_values[flag_name]
        assert flag.help, flag_name
        assert flag.default == (list(default) if isinstance(default, tuple) else default), flag_name


README_FLAGS = {"models": None, "base": None, "aligned": None, "quantized": None, "dataset": "demo", "lang": "all", "per_class": None, "layers": "all",
                "pooling": "mean", "bootstrap": 50, "permutations": 20, "mesh": None, "cache_dir": None,
                "output_dir": "results/separation", "dry_run": False, "chat_template": False, "pca_layer": -1,
                "distributed": False, "dtype": "float32", "batch_size": 32, "max_length": 256, "seed": 0,
                "shared_data": "../shared/data"}


def test_separation_keeps_the_flags_users_have():
    flag_values = _defined(SeparationConfig)
    assert {name: flag_values[name].default for name in flag_values} == README_FLAGS


def test_refusal_declares_only_what_it_reads():
    names = set(_defined(RefusalConfig))
    assert not names & {"layers", "pooling", "permutations", "pca_layer", "distributed"}
    assert {"direction_layer", "max_new_tokens", "val_per_class", "bootstrap", "chat_template", "dry_run"} <= names
    assert RefusalConfig().run.chat_template and RefusalConfig().bootstrap == 50


def test_parsed_flags_give_the_config():
    flag_values = _defined(SeparationConfig)
    flag_values(["separation", "--lang=zh", "--aligned=a,b", "--per_class=5", "--nochat_template", "--permutations=0"])
    config = flags.config_from(SeparationConfig, flag_values)
    assert config == dataclasses.replace(
        SeparationConfig(), permutations=0,
        run=dataclasses.replace(SeparationConfig().run, lang="zh", aligned=("a", "b"), per_class=5))
    assert config.run.languages() == ["zh"] and config.states.layer_indices() is None
    assert harness.settings(config, {"base": "b"})["lang"] == "zh"
    assert not {"output_dir", "dry_run", "base", "aligned"} & set(harness.settings(config, {}))


def test_a_flag_the_command_does_not_read_is_unknown_and_positionals_are_refused():
    refusal = _entrypoint("refusal")
    with pytest.raises(absl_flags.UnrecognizedFlagError, match="layers"):
        refusal(["refusal", "--layers=1,2"])
    with pytest.raises(AlignscopeError, match="unexpected arguments"):
        _entrypoint("models")(["models", "extra"])


def test_help_comes_from_the_attributes_section():

    @dataclasses.dataclass(frozen=True)
    class Example:
        """Example.

        Attributes:
          a, b: Shared text,
            continued here.
          c: Its own.

        Not an attribute: text after the section.
        """

        a: int = 1
        b: str = "x"
        c: bool = False

    assert flags.attribute_help(Example) == {"a": "Shared text, continued here.", "b": "Shared text, continued here.",
                                             "c": "Its own."}

    @dataclasses.dataclass(frozen=True)
    class Undocumented:
        """No attributes."""

        d: int = 0

    with pytest.raises(TypeError, match="Undocumented.d has no help"):
        _defined(Undocumented)
