"""What an extraction computes and how it batches: one frozen spec serves `extract`'s options,
the batch loop and the activation store's key."""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

from alignscope.errors import AlignscopeError
from alignscope.runtime import pooling
from alignscope.models.intervention import Intervention, as_list, intervention_key


@dataclasses.dataclass(frozen=True, kw_only=True)
class ExtractionSpec:
    """The options of one extraction.

    Attributes:
      pooling: `mean` (over the text's own tokens), `first` (its first token), `last` (the
        input's last token: with a chat template, where generation would begin) or `last-k`
        (the token k places before it).
      layers: hidden-state indices to keep (0 = embeddings, L = after the final norm; negative
        counts from the end); None keeps all L + 1. Blocks past the last kept layer never run.
      max_length: longest input in tokens; longer texts lose their last own tokens (counted).
      chat_template: wrap each text as a user turn with the tokenizer's chat template.
      batch_size: rows per batch at max_length; shorter buckets get proportionally more rows.
      buckets: padded lengths; None: `batching.default_buckets(max_length)`.
      packing: put several texts in one row, each attending only to itself with its own
        positions (the values equal unpacked rows' up to float rounding); far less padding.
      intervention: residual-stream edits during the forward pass (`engine.Intervention`, or a
        list applied in order); None for none. Part of the store key.
    """

    pooling: str = "mean"
    layers: tuple[int, ...] | None = None
    max_length: int = 512
    chat_template: bool = False
    batch_size: int = 32
    buckets: tuple[int, ...] | None = None
    packing: bool = True
    intervention: tuple[Intervention, ...] | None = None

    # The fields that change the values extracted; the others only change how rows are batched.
    RESULT_FIELDS = ("pooling", "layers", "max_length", "chat_template", "intervention")

    def __post_init__(self) -> None:
        pooling.check_pooling(self.pooling)
        for name in ("max_length", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise AlignscopeError(f"{name} must be a positive integer, not {value!r}")
        if self.layers is not None:
            object.__setattr__(self, "layers", tuple(int(layer) for layer in self.layers))
        if self.buckets is not None:
            object.__setattr__(self, "buckets", tuple(sorted(int(length) for length in self.buckets)) or None)
        object.__setattr__(self, "chat_template", bool(self.chat_template))
        object.__setattr__(self, "packing", bool(self.packing))
        object.__setattr__(self, "intervention", tuple(as_list(self.intervention)) or None)

    @classmethod
    def of(cls, spec: ExtractionSpec | None = None, **options: Any) -> ExtractionSpec:
        """Returns `spec` (default: all defaults) with `options` replacing its fields.

        Raises:
          AlignscopeError: an option that is not a field.
        """
        fields = [field.name for field in dataclasses.fields(cls)]
        unknown = sorted(set(options) - set(fields))
        if unknown:
            raise AlignscopeError(f"unknown extraction option(s) {unknown}; accepted: {', '.join(fields)}")
        return dataclasses.replace(spec or cls(), **options)

    def for_layers(self, layers: Sequence[int] | None) -> ExtractionSpec:
        """Returns this spec with `layers` replaced (e.g. by the model's normalised indices)."""
        return dataclasses.replace(self, layers=layers)

    def key(self) -> dict[str, Any]:
        """Returns the fields that change the values extracted, for the store key."""
        key = {name: getattr(self, name) for name in self.RESULT_FIELDS if name != "intervention"}
        if self.intervention is not None:  # Absent otherwise, so stores made before interventions stay valid.
            key["intervention"] = intervention_key(self.intervention)
        return key
