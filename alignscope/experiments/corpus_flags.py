"""Flags of the entrypoints that run models on a corpus (separation, detox, similarity, redteam, refusal):
what to extract and how to analyse it. (The benchmark defines its own.)

Every flag here (and the shared ones of `experiments.flags` that other entrypoints also define,
such as `--mesh` in `experiments.tune`) allows an override, so a process that imports two
entrypoints (a test session) gets one flag of each name instead of a DuplicateFlagError.
"""

from __future__ import annotations

from absl import flags

from alignscope.errors import AlignscopeError

BASE = flags.DEFINE_string("base", None, "Base (pre-alignment) model: hub id or path; default the demo base model.", allow_override=True)
ALIGNED = flags.DEFINE_list("aligned", None, "Aligned model(s): hub ids or paths, a comma list (e.g. SFT,DPO,instruct "
                            "of one lineage); default the demo models aligned-en and aligned-multi.", allow_override=True)
DATASET = flags.DEFINE_string("dataset", None, "Corpus: 'demo', a hub id (its copy under --shared_data is used where "
                              "present) or a local path; default: the experiment's own (see --help of the module).", allow_override=True)
PCA_LAYER = flags.DEFINE_integer("pca_layer", -1, "Hidden state of the PCA scatter figures and the change figure "
                                 "(one of the analysed hidden states; -1: the last).", allow_override=True)
LANG = flags.DEFINE_string(
    "lang", "all", "Languages: one code (zh), a comma list (zh,hi) or 'all'. English is added when the dataset has it.", allow_override=True)
PER_CLASS = flags.DEFINE_integer("per_class", None, "Rows per class per language (seeded draw); default all rows.",
                                 lower_bound=1, allow_override=True)
POOLING = flags.DEFINE_enum("pooling", "mean", ["mean", "first", "last"], "How each layer's token states are pooled.", allow_override=True)
LAYERS = flags.DEFINE_string(
    "layers", "all", "Hidden-state indices to analyse (0 = embeddings, -1 = last): a comma list, or 'all'.", allow_override=True)
CHAT_TEMPLATE = flags.DEFINE_boolean("chat_template", False, "Wrap each text as a user turn of the chat template (experiments.refusal: on unless given as false).", allow_override=True)
DTYPE = flags.DEFINE_enum("dtype", "float32", ["float32", "bfloat16", "float16", "auto"],
                          "Weights and computation dtype of the models.", allow_override=True)
BATCH_SIZE = flags.DEFINE_integer("batch_size", 32, "Rows per batch at max_length (shorter buckets get more).",
                                  lower_bound=1, allow_override=True)
MAX_LENGTH = flags.DEFINE_integer("max_length", 256, "Longest input in tokens; longer texts are truncated.",
                                  lower_bound=1, allow_override=True)
BOOTSTRAP = flags.DEFINE_integer("bootstrap", 50, "Bootstrap replicas for the 95% intervals and paired tests.",
                                 lower_bound=2, allow_override=True)
PERMUTATIONS = flags.DEFINE_integer("permutations", 20, "Label permutations for the null band (0: none).",
                                    lower_bound=0, allow_override=True)
SEED = flags.DEFINE_integer("seed", 0, "Seed of the row sampling, bootstrap, permutations and probe folds.",
                            lower_bound=0, allow_override=True)



def langs() -> list[str] | None:
    """`--lang` as a list of codes, or None for 'all'."""
    value = LANG.value.strip()
    if value.lower() == "all":
        return None
    codes = [code.strip() for code in value.split(",") if code.strip()]
    if not codes:
        raise AlignscopeError(f"--lang={value!r} names no language; use a code (zh), a comma list (zh,hi) or 'all'")
    return codes


def layers() -> tuple[int, ...] | None:
    """`--layers` as hidden-state indices, or None for 'all'."""
    value = LAYERS.value.strip()
    if value.lower() == "all":
        return None
    try:
        return tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise AlignscopeError(f"--layers={value!r} is not accepted; use a comma list of integers (0,4,-1) or 'all'") \
            from None
