"""Command lines built from config dataclasses, and the one way entrypoints report user errors.

An entrypoint is a function of one frozen config dataclass, made a command by `command`:

    @flags.command(SeparationConfig)
    def main(config: SeparationConfig) -> None: ...

and run by `run(main)` (absl's `app.run`). Every field of the config is a flag of the same name
(nested config dataclasses are flattened: their fields are flags too), with the field's default
and, as help, its entry in the `Attributes:` section of the class docstring. So a command
declares exactly the flags its config has, and absl refuses any other ("Unknown command line
flag"). Field types: bool, int, float, str (with `choices`: an enum flag), `tuple[str, ...]`
(a comma list) and each of these or None. A user error (a bad flag value, an unknown flag, an
`AlignscopeError`) prints one line `error: ...` and exits with status 2, never a traceback.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import re
import sys
import types
import typing
from typing import Any, Callable, Sequence

from absl import app, flags

from alignscope.errors import AlignscopeError


def flag(default: Any, *, lower_bound: int | None = None, choices: Sequence[str] | None = None) -> Any:
    """A config field with absl's checks: `lower_bound` for an int flag, `choices` for an enum."""
    metadata = {key: value for key, value in (("lower_bound", lower_bound), ("choices", choices)) if value is not None}
    return dataclasses.field(default=default, metadata=metadata)


def attribute_help(cls: type) -> dict[str, str]:
    """`{field: text}` from the `Attributes:` section of `cls`'s docstring (Google style: an entry
    `name: text` or `a, b: text`, continued on more deeply indented lines)."""
    lines = inspect.cleandoc(cls.__doc__ or "").splitlines()
    if "Attributes:" not in lines:
        return {}
    texts: dict[str, str] = {}
    names: list[str] = []
    for line in lines[lines.index("Attributes:") + 1:]:
        if line and not line.startswith(" "):
            break
        entry = re.fullmatch(r" {2}(\w+(?:, \w+)*): (.*)", line)
        if entry:
            names = entry.group(1).split(", ")
            texts.update({name: entry.group(2).strip() for name in names})
        elif line.strip():
            texts.update({name: f"{texts[name]} {line.strip()}" for name in names})
    return texts


def _help(cls: type, name: str) -> str:
    """The help of field `name`: its docstring entry in `cls` or the nearest base class documenting it."""
    for klass in cls.__mro__:
        text = attribute_help(klass).get(name)
        if text:
            return text
    raise TypeError(f"{cls.__name__}.{name} has no help: document it under Attributes: in the class docstring")


def _fields(config_type: type, default: Any = None) -> list[tuple[type, dataclasses.Field, Any, Any]]:
    """`(owning class, field, annotation, default value)` of every flag of `config_type`, nested
    configs flattened; `default` is an instance holding the defaults (None: `config_type()`)."""
    hints = typing.get_type_hints(config_type)
    default = config_type() if default is None else default
    found = []
    for field in dataclasses.fields(config_type):
        value = getattr(default, field.name)
        if dataclasses.is_dataclass(hints[field.name]):
            found += _fields(hints[field.name], value)
        else:
            found.append((config_type, field, hints[field.name], value))
    return found


def _kind(annotation: Any) -> type:
    """The flag's value type: the annotation without `| None`; `tuple[str, ...]` is `tuple`."""
    options = [option for option in typing.get_args(annotation) if option is not type(None)] \
        if isinstance(annotation, types.UnionType) else [annotation]
    (kind,) = options
    return typing.get_origin(kind) or kind


def define(config_type: type, flag_values: flags.FlagValues = flags.FLAGS, module_name: str | None = None) -> None:
    """Defines one absl flag per (flattened) field of `config_type` in `flag_values`, listed by
    `--help` under `module_name`."""
    for owner, field, annotation, default in _fields(config_type):
        kind = _kind(annotation)
        arguments = dict(name=field.name, default=default, help=_help(owner, field.name), flag_values=flag_values,
                         module_name=module_name)
        if "choices" in field.metadata:
            flags.DEFINE_enum(enum_values=list(field.metadata["choices"]), **arguments)
        elif kind is bool:
            flags.DEFINE_boolean(**arguments)
        elif kind is int:
            flags.DEFINE_integer(lower_bound=field.metadata.get("lower_bound"), **arguments)
        elif kind is float:
            flags.DEFINE_float(**arguments)
        elif kind is str:
            flags.DEFINE_string(**arguments)
        elif kind is tuple:
            flags.DEFINE_list(**{**arguments, "default": None if default is None else list(default)})
        else:
            raise TypeError(f"{owner.__name__}.{field.name}: a {kind} field cannot be a flag")


def config_from(config_type: type, flag_values: flags.FlagValues = flags.FLAGS) -> Any:
    """The `config_type` instance whose fields are the parsed flags' values (lists as tuples)."""
    hints = typing.get_type_hints(config_type)
    values = {}
    for field in dataclasses.fields(config_type):
        if dataclasses.is_dataclass(hints[field.name]):
            values[field.name] = config_from(hints[field.name], flag_values)
        else:
            value = flag_values[field.name].value
            values[field.name] = tuple(value) if isinstance(value, list) else value
    return config_type(**values)


def flat(config: Any) -> dict[str, Any]:
    """`{flag name: value}` of a config, nested configs flattened (what a run records)."""
    values = {}
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        values.update(flat(value) if dataclasses.is_dataclass(value) else {field.name: value})
    return values


@dataclasses.dataclass(frozen=True)
class Command:
    """An entrypoint: `body(config)` and the config dataclass whose fields are its flags."""

    config_type: type
    body: Callable[[Any], None]

    def __call__(self, argv: list[str]) -> None:
        """Runs the body with the config of the command line `argv` (`argv[0]`: the program).

        Raises:
          absl.flags.Error: a flag that is unknown or has a bad value.
          AlignscopeError: a positional argument, or bad input found by the body.
        """
        flag_values = flags.FlagValues()
        define(self.config_type, flag_values)
        self.run_parsed(flag_values, flag_values(argv))

    def run_parsed(self, flag_values: flags.FlagValues, argv: list[str]) -> None:
        """Runs the body with the config of `flag_values`, already parsed; `argv`: what is left."""
        if len(argv) > 1:
            raise AlignscopeError(f"unexpected arguments {argv[1:]}; every option is a --flag (see --help)")
        self.body(config_from(self.config_type, flag_values))


def command(config_type: type) -> Callable[[Callable[[Any], None]], Command]:
    """Decorator: `body(config)` becomes a `Command` whose flags are `config_type`'s fields."""
    return functools.partial(Command, config_type)


def one_line(message: object) -> str:
    """`message` as one line: newlines and runs of spaces collapsed."""
    return " ".join(str(message).split())


def _fail(message: object) -> None:
    print(f"error: {one_line(message)}", file=sys.stderr)
    sys.exit(2)


def _parse_flags_exit_2(argv: list[str]) -> list[str]:
    """absl's flag parsing, but a bad or unknown flag is one line and exit status 2 (absl uses 1)."""
    try:
        return flags.FLAGS(argv)
    except flags.Error as error:
        _fail(error)


def run(main: Command) -> None:
    """`absl.app.run` of command `main`: its flags are defined (and listed by --help), bad flags and
    any `AlignscopeError` print one line and exit 2."""
    define(main.config_type, flags.FLAGS, module_name=sys.argv[0])
    # absl's --help starts with __main__'s docstring: the experiment's, not its launcher's.
    sys.modules["__main__"].__doc__ = sys.modules[main.body.__module__].__doc__

    def guarded(argv: list[str]) -> None:
        try:
            main.run_parsed(flags.FLAGS, argv)
        except AlignscopeError as error:
            _fail(error)

    app.run(guarded, flags_parser=_parse_flags_exit_2)
