"""Project settings (see https://docs.kedro.org/en/stable/configure/configuration_basics/)."""

import os
from pathlib import Path

from ecpa_pipeline.hooks import (
    ClearErrorHooks,
    EnvironmentTagHooks,
    ModelLoggingHooks,
    OwnRunDataHooks,
    SparkHooks,
    TrackingServerHooks,
)
from ecpa_pipeline.manifest import RunManifestHooks

# The repository root, used by the ``project_root`` resolver so that paths in configuration
# (e.g. the sqlite MLflow store) are absolute whatever the current directory is.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _project_root() -> str:
    return PROJECT_ROOT.as_posix()


def _env(name: str, default: str | None = None) -> str | None:
    """An environment variable, for settings a deployment sets outside the repository
    (Kedro's own ``oc.env`` is limited to credentials)."""
    return os.environ.get(name, default)


HOOKS = (
    TrackingServerHooks(),
    ClearErrorHooks(),
    RunManifestHooks(),
    OwnRunDataHooks(),
    ModelLoggingHooks(),
    EnvironmentTagHooks(),
    SparkHooks(),
)

CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    "custom_resolvers": {"project_root": _project_root, "env": _env},
    # conf/local may override single keys (e.g. only the MLflow tracking URI).
    "merge_strategy": {"mlflow": "soft", "parameters": "soft"},
}
