"""Which run wrote each file of the data folder, and from which inputs: ``<data>/_manifest.json``.

Every file a pipeline saves is stamped with the run (Kedro session), the pipeline, its content
digest and the digests of the inputs of the node that wrote it. Before a pipeline runs, its
inputs from earlier steps are checked against their stamps; the run stops, naming the step to
re-run, when

- a file is not what its run wrote (changed since, or a killed run left half of it);
- two inputs from one step come from different runs of it (a run stopped midway: new villages
  beside old households);
- an input was made from another version of a file than the one there now (features older
  than the primary tables they were computed from).
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.framework.project import pipelines

from ecpa_pipeline.datasets.optional import OptionalDataset
from ecpa_pipeline.errors import ProjectError

MANIFEST = "_manifest.json"


def file_of(dataset: Any) -> Path | None:
    """The single file a dataset reads and writes, through wrappers (optional, cached,
    MLflow artifact); None for folders, stores and in-memory data."""
    for _ in range(4):  # wrappers hold the dataset they wrap as ``_dataset``
        path = getattr(dataset, "_filepath", None)
        if path is not None:
            return Path(str(path))
        dataset = getattr(dataset, "_dataset", None)
    return None


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:32]


def read_manifest(folder: Path) -> dict[str, dict]:
    path = folder / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def write_manifest(folder: Path, entries: dict[str, dict]) -> None:
    """Merge ``entries`` into the folder's manifest (written beside and renamed into place)."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(folder) | entries
    partial = folder / f".{MANIFEST}.{os.getpid()}.partial"
    partial.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(partial, folder / MANIFEST)


def _rerun(step: str) -> str:
    return "kedro run" if step == "__default__" else f"kedro run --pipelines={step}"


def input_problems(inputs: dict[str, Path], folder: Path) -> list[str]:
    """Why the stamped ``inputs`` (dataset → file) cannot be used together (empty: they can).
    The manifest is keyed by file, relative to the data ``folder``."""
    manifest = read_manifest(folder)
    problems, runs = [], {}
    for name, path in sorted(inputs.items()):
        key = relative(path, folder)
        entry = manifest.get(key)
        if entry is None or not path.is_file():
            continue  # not written by a pipeline of this project (e.g. a raw export)
        step = entry["pipeline"]
        if file_digest(path) != entry["digest"]:
            problems.append(
                f"{key} is not the file run {entry['run']} of {step} wrote (changed since, or a "
                f"run stopped while writing it): re-run {_rerun(step)}"
            )
        runs.setdefault(step, {})[name] = entry["run"]
        for source, digest in entry.get("inputs", {}).items():
            now = manifest.get(source)
            if now is not None and now["digest"] != digest:
                problems.append(
                    f"{key} was made from another {source} than the one there now (written by "
                    f"{now['pipeline']} run {now['run']}): re-run {_rerun(step)}"
                )
    for step, by_name in runs.items():
        if len(set(by_name.values())) > 1:
            shown = ", ".join(f"{n} from run {r}" for n, r in sorted(by_name.items()))
            problems.append(
                f"the inputs written by {step} come from different runs of it ({shown}): a run "
                f"did not finish: re-run {_rerun(step)}"
            )
    return list(dict.fromkeys(problems))


def relative(path: Path, folder: Path) -> str:
    return path.resolve().relative_to(folder.resolve()).as_posix()


def producers() -> dict[str, str]:
    """The registered pipeline (the step) that writes each dataset, ``__default__`` aside."""
    found: dict[str, str] = {}
    for name in sorted(pipelines):
        if name != "__default__":
            for dataset in pipelines[name].all_outputs():
                found.setdefault(dataset, name)
    return found


class RunManifestHooks:
    """Stamps what each run writes in the data folder and checks a pipeline's inputs before
    it runs (see the module's description)."""

    def __init__(self) -> None:
        self._catalog = None

    @hook_impl
    def before_pipeline_run(self, run_params: dict, pipeline, catalog) -> None:
        runtime = run_params.get("runtime_params") or {}
        self._folder = Path(run_params.get("project_path") or ".") / str(
            runtime.get("data_dir", "data")
        )
        self._run = str(run_params.get("run_id") or run_params.get("session_id"))
        self._step = "+".join(run_params.get("pipeline_names") or ["__default__"])
        self._producers = producers()
        self._catalog = catalog
        files = {}
        for name in pipeline.inputs():
            path = self._file(name)
            if path is not None:
                files[name] = path
        problems = self._missing(files) or input_problems(files, self._folder)
        if problems:
            raise ProjectError("; ".join(problems))

    def _missing(self, files: dict[str, Path]) -> list[str]:
        """Inputs another step writes that are not there (that step has not run on this data
        folder), by step, with the command that writes them; optional inputs aside."""
        by_step: dict[str, list[str]] = {}
        for name, path in sorted(files.items()):
            step = self._producers.get(name)
            optional = isinstance(self._catalog.get(name), OptionalDataset)
            if step and step not in self._step.split("+") and not optional and not path.exists():
                by_step.setdefault(step, []).append(relative(path, self._folder))
        return [
            f"{self._folder} has no {', '.join(names[:3])}"
            + (f" (and {len(names) - 3} more)" if len(names) > 3 else "")
            + f": run {_rerun(step)} on this data folder first"
            for step, names in by_step.items()
        ]

    def _file(self, name: str) -> Path | None:
        if name.startswith("params:") or name == "parameters":
            return None
        dataset = self._catalog.get(name) if self._catalog is not None else None
        path = file_of(dataset) if dataset is not None else None
        inside = path is not None and self._folder.resolve() in path.resolve().parents
        return path if inside else None

    @hook_impl
    def after_dataset_saved(self, dataset_name: str, data: Any, node) -> None:
        path = self._file(dataset_name)
        if path is None or not path.is_file():
            return
        manifest = read_manifest(self._folder)
        sources = {}
        for name in node.inputs:
            source = self._file(name)
            key = relative(source, self._folder) if source is not None else None
            if key in manifest:
                sources[key] = manifest[key]["digest"]
        entry = {
            "dataset": dataset_name,
            "run": self._run,
            "pipeline": self._producers.get(dataset_name, self._step),
            "node": node.name,
            "digest": file_digest(path),
            "inputs": sources,
            "saved": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        write_manifest(self._folder, {relative(path, self._folder): entry})
