"""Project pipelines.

- ``simulation``: writes a simulated county's raw exports (and ``_truth/``) to ``data/01_raw``.
  It is never part of ``__default__``: real data teams put their own exports there instead.
- ``__default__``: every pipeline that processes ``data/01_raw``, in dependency order.
"""

from __future__ import annotations

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

#: Pipelines that produce raw data rather than consume it.
DATA_SOURCES = ("simulation",)


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines.

    Returns:
        A mapping from pipeline names to ``Pipeline`` objects.
    """
    pipelines = find_pipelines(raise_errors=True)
    processing = [p for name, p in pipelines.items() if name not in DATA_SOURCES]
    pipelines["__default__"] = sum(processing, start=Pipeline([]))
    return pipelines
