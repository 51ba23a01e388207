"""Hugging Face hub datasets: a repository id becomes a local snapshot directory.

The snapshot is then read like any local directory laid out like a hub repository
(`data/tables.py`), so the hub and local copies share one code path. A source may pin a
revision (`owner/name@<commit, tag or branch>`); the corpus records the commit it really read
(`owner/name@<sha>`), so a run can be repeated on the same data. With `HF_HUB_OFFLINE=1` only
repositories already in the local cache can be loaded.
"""

from __future__ import annotations

import pathlib
import re

from alignscope.errors import AlignscopeError

_REPO_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")
_REVISION = re.compile(r"[\w./-]+")
_COMMIT = re.compile(r"[0-9a-f]{40}")
_DATA_FILES = ["*.parquet", "*.csv", "*.tsv", "*.jsonl", "data/*"]


def split_revision(source: str) -> tuple[str, str | None]:
    """`owner/name@revision` -> (`owner/name`, `revision`); (`source`, None) without `@`."""
    repo_id, at, revision = source.partition("@")
    return (repo_id, revision) if at else (source, None)


def looks_like_repo_id(source: str) -> bool:
    """Whether `source` reads as `owner/name` or `owner/name@revision` (no table suffix, no
    leading `.`, `/` or `~`)."""
    repo_id, revision = split_revision(source)
    has_suffix = re.search(r"\.(parquet|csv|tsv|jsonl|json)$", repo_id, re.IGNORECASE)
    pinned_ok = revision is None or bool(_REVISION.fullmatch(revision))
    return bool(_REPO_ID.fullmatch(repo_id)) and not has_suffix and pinned_ok


def snapshot(repo_id: str, revision: str | None = None) -> pathlib.Path:
    """The local directory of the dataset repository `repo_id`'s data files at `revision`
    (None: the default branch), downloaded if needed.

    Raises:
      AlignscopeError: offline and not cached, no such repository or revision, or a gated one
        not accepted.
    """
    from huggingface_hub import errors, snapshot_download

    shown = repo_id if revision is None else f"{repo_id}@{revision}"
    try:
        return pathlib.Path(
            snapshot_download(repo_id, repo_type="dataset", revision=revision, allow_patterns=_DATA_FILES)
        )
    except (errors.LocalEntryNotFoundError, errors.OfflineModeIsEnabled) as e:
        raise AlignscopeError(
            f"{shown} is no local path and not in the local Hugging Face cache, and the hub cannot be "
            f"reached (HF_HUB_OFFLINE=1 or no network); load it once online, or pass a local copy's directory"
        ) from e
    except errors.GatedRepoError as e:
        raise AlignscopeError(
            f"{repo_id} is gated: accept its terms on huggingface.co and log in (hf auth login)"
        ) from e
    except errors.RevisionNotFoundError as e:
        raise AlignscopeError(f"no revision {revision!r} in {repo_id}; pin a commit, tag or branch that exists") from e
    except errors.RepositoryNotFoundError as e:
        raise AlignscopeError(f"no dataset {repo_id!r} on the Hugging Face hub, nor a local path of that name") from e
    except errors.HfHubHTTPError as e:
        raise AlignscopeError(f"cannot download {shown}: {str(e).splitlines()[0]}") from e


def pinned_name(repo_id: str, snapshot_dir: pathlib.Path) -> str:
    """`owner/name@<commit>`: the snapshot directory's name in the Hugging Face cache is the commit
    it holds; `repo_id` alone where the directory is not named by a commit."""
    commit = snapshot_dir.name
    return f"{repo_id}@{commit}" if _COMMIT.fullmatch(commit) else repo_id
