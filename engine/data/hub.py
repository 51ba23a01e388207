"""Hugging Face hub datasets: a repository id becomes a local snapshot directory.

The snapshot is then read like any local directory laid out like a hub repository
(`engine/data/tables.py`), so the hub and local copies share one code path. With
`HF_HUB_OFFLINE=1` only repositories already in the local cache can be loaded.
"""

from __future__ import annotations

import pathlib
import re

from alignscope.errors import AlignscopeError

_REPO_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")
_DATA_FILES = ["*.parquet", "*.csv", "*.tsv", "*.jsonl", "data/*"]


def looks_like_repo_id(source: str) -> bool:
    """Whether `source` reads as `owner/name` (no table suffix, no leading `.`, `/` or `~`)."""
    has_suffix = re.search(r"\.(parquet|csv|tsv|jsonl|json)$", source, re.IGNORECASE)
    return bool(_REPO_ID.fullmatch(source)) and not has_suffix


def snapshot(repo_id: str) -> pathlib.Path:
    """The local directory of the dataset repository `repo_id`'s data files, downloaded if needed.

    Raises:
      AlignscopeError: offline and not cached, no such repository, or a gated one not accepted.
    """
    from huggingface_hub import snapshot_download
    from huggingface_hub import errors

    try:
        return pathlib.Path(snapshot_download(repo_id, repo_type="dataset", allow_patterns=_DATA_FILES))
    except (errors.LocalEntryNotFoundError, errors.OfflineModeIsEnabled) as e:
        raise AlignscopeError(
            f"{repo_id} is no local path and not in the local Hugging Face cache, and the hub cannot be "
            f"reached (HF_HUB_OFFLINE=1 or no network); load it once online, or pass a local copy's directory"
        ) from e
    except errors.GatedRepoError as e:
        raise AlignscopeError(
            f"{repo_id} is gated: accept its terms on huggingface.co and log in (hf auth login)"
        ) from e
    except errors.RepositoryNotFoundError as e:
        raise AlignscopeError(f"no dataset {repo_id!r} on the Hugging Face hub, nor a local path of that name") from e
    except errors.HfHubHTTPError as e:
        raise AlignscopeError(f"cannot download {repo_id}: {str(e).splitlines()[0]}") from e
