"""Which entries of a source folder are read, which are skipped (and why), and which stop the
run: nothing in a raw folder is passed over without a word.

A data team's raw folder holds what it copied from the source systems, and sometimes more:
an Excel lock file (``~$…``), a hidden copy, a link, a folder named like a file. Each entry
is read (a regular ``.csv``/``.xlsx`` file inside the raw folder), skipped with a reason that
the data-quality report lists, or stops the run with one line naming it.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ecpa_pipeline.errors import ProjectError

#: The file types the contract's exports come in (README "Using real exports").
READ_SUFFIXES = (".csv", ".xlsx")
#: Suffixes of data files: a *folder* named so is a mistake, not a subfolder of exports.
DATA_SUFFIXES = (*READ_SUFFIXES, ".xls", ".xlsm", ".txt", ".tsv", ".parquet", ".json")
#: Files operating systems leave in folders, skipped by name (listed in the report).
SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", "ehthumbs.db"})
#: The project's own files in a raw folder: neither read nor listed.
PROJECT_FILES = frozenset({".gitkeep", ".ecpa_simulated"})
#: What the simulator leaves beside the exports; never read by cleaning.
TRUTH_FOLDER = "_truth"


@dataclass(frozen=True)
class Skipped:
    """An entry of a raw folder that is not read, and why (a reason code of the report)."""

    file: str
    reason: str


def relative(path: Path, root: Path) -> str:
    return str(PurePosixPath(path.relative_to(root)))


def _stop(root: Path, path: Path, problem: str, error: type[ProjectError]) -> None:
    raise error(relative(path, root), problem)


def _inside(target: Path, root: Path) -> bool:
    return target == root or root in target.parents


def scan(
    root: Path, pattern: str, error: type[ProjectError], exclude: list[str] = ()
) -> tuple[list[Path], list[Skipped]]:
    """The files of one source (``registry/*``: every file below ``registry/``;
    ``villages.*``: files of that name at the top) and the entries skipped there; the
    folders ``exclude`` names (relative to ``root``, e.g. ``alerts/visits``) are another
    source's and not walked.

    Raises:
        error(file, problem): an entry that cannot be read as an export — a link that is broken
            or leads out of the raw folder, a folder named like a data file, a file that is not a
            regular file or cannot be opened, a folder that cannot be listed, or a file type
            other than .csv/.xlsx.
    """
    real_root = root.resolve()
    files: list[Path] = []
    skipped: list[Skipped] = []
    if not root.is_dir():
        return files, skipped
    if pattern.endswith("/*"):
        folder = root / pattern[:-2]
        if not (folder.exists() or folder.is_symlink()):
            return [], []
        if _check_entry(folder, root, real_root, error) != "folder":
            _stop(root, folder, "a file where a folder of exports is expected", error)
        others = {(root / e).resolve() for e in exclude}
        return sorted(_walk(folder, root, real_root, error, skipped, others)), skipped
    entries = [p for p in sorted(root.iterdir()) if PurePosixPath(p.name).match(pattern)]
    for path in (e for e in entries if _kept(e, root, skipped)):
        if _check_entry(path, root, real_root, error) == "folder":
            _stop(root, path, "a folder where an export file is expected", error)
        files.append(path)
    return sorted(files), skipped


def _kept(path: Path, root: Path, skipped: list[Skipped]) -> bool:
    """Whether an entry is looked at; hidden entries, Excel lock files and system files are
    skipped and noted (the project's own marker files silently)."""
    name = path.name
    if name in PROJECT_FILES:
        return False
    reason = (
        "hidden_file"
        if name.startswith(".")
        else "excel_lock_file"
        if name.startswith("~$")
        else "system_file"
        if name.lower() in SYSTEM_FILES
        else None
    )
    if reason:
        skipped.append(Skipped(relative(path, root), reason))
    return reason is None


def _check_entry(path: Path, root: Path, real_root: Path, error) -> str:
    """``file`` or ``folder`` for an entry that can be read; stops the run otherwise."""
    target = path.resolve()
    if path.is_symlink() and not target.exists():
        _stop(root, path, "a link to nothing (broken link): replace it with the file", error)
    if not _inside(target, real_root):
        _stop(
            root,
            path,
            "a link to a place outside the raw folder: copy the export into the raw folder",
            error,
        )
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        _stop(root, path, f"cannot be read ({exc.strerror})", error)
    if stat.S_ISDIR(mode):
        if path.suffix.lower() in DATA_SUFFIXES:
            _stop(root, path, "a folder where an export file is expected", error)
        return "folder"
    if not stat.S_ISREG(mode):
        _stop(root, path, "not a regular file (a device, pipe or socket)", error)
    if path.suffix.lower() not in READ_SUFFIXES:
        _stop(
            root,
            path,
            f"unsupported file type {path.suffix.lower() or '(none)'!r} "
            "(expected .csv or .xlsx): convert it, or move it out of the raw folder",
            error,
        )
    try:
        os.close(os.open(path, os.O_RDONLY))
    except OSError as exc:
        _stop(root, path, f"cannot be read ({exc.strerror})", error)
    return "file"


def _walk(
    folder: Path, root: Path, real_root: Path, error, skipped: list[Skipped], seen: set
) -> list[Path]:
    """Every readable file below ``folder`` (links within the raw folder followed once)."""
    real = folder.resolve()
    if real in seen:
        return []
    seen.add(real)
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        _stop(root, folder, f"folder cannot be read ({exc.strerror})", error)
    files = []
    for path in entries:
        if not _kept(path, root, skipped):
            continue
        if _check_entry(path, root, real_root, error) == "folder":
            files += _walk(path, root, real_root, error, skipped, seen)
        else:
            files.append(path)
    return files


def unsourced(root: Path, patterns: list[str]) -> list[Skipped]:
    """Top-level entries of the raw folder that belong to no source (a registry file put
    beside the folders instead of in ``registry/``): skipped, and listed."""
    heads = {p.split("/", 1)[0] for p in patterns}
    skipped = []
    for path in sorted(root.iterdir()) if root.is_dir() else []:
        if path.name == TRUTH_FOLDER or path.name in PROJECT_FILES:
            continue
        if any(PurePosixPath(path.name).match(h) for h in heads):
            continue
        if _kept(path, root, skipped):
            skipped.append(Skipped(relative(path, root), "not_a_source"))
    return skipped
