"""What lets an auditor tie an MLflow run to its code and its data: the code version and
content digests of the input tables (a digest reveals nothing of the rows)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pandas as pd

import ecpa_pipeline


def git_commit() -> str:
    """The checkout's commit, ``-dirty`` when tracked files differ from it or the code or
    configuration holds files git does not track (git-ignored ones, like conf/local, aside)."""
    root = Path(ecpa_pipeline.__file__).resolve().parents[2]
    git = shutil.which("git")
    if git is None:
        return "unknown (no git)"
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [git, "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        )
        # Tracked changes anywhere, and files git does not know yet in the code and the
        # configuration (a new conf/<env>/ folder changes what a run does).
        dirty = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [git, "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        untracked = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [git, "status", "--porcelain", "--untracked-files=all", "--", "src", "conf"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        changed = dirty.stdout.strip() or untracked.stdout.strip()
        return done.stdout.strip() + ("-dirty" if changed else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


def digest(frame: pd.DataFrame) -> str:
    """A content digest of a table: same rows and values ⇒ same digest."""
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    columns = ",".join(map(str, frame.columns)).encode("utf-8")
    return hashlib.sha256(columns + hashed.tobytes()).hexdigest()[:16]


def code_tags() -> dict[str, str]:
    return {"git_commit": git_commit(), "package_version": ecpa_pipeline.__version__}


def input_tags(**tables: pd.DataFrame) -> dict[str, str]:
    """``digest.<name>`` and ``rows.<name>`` of each input table."""
    tags = {}
    for name, frame in tables.items():
        tags[f"digest.{name}"] = digest(frame)
        tags[f"rows.{name}"] = str(len(frame))
    return tags
