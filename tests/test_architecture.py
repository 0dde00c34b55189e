"""The import rules of ``docs/architecture.md``: a pipeline reaches another pipeline's work
only through ``domain/``, ``datasets/`` or a registered model, never by importing its code
(a household list scored by one model version and explained by the checkout's training code
would mix two versions in one row)."""

from __future__ import annotations

import ast
from pathlib import Path

import ecpa_pipeline

PIPELINES = Path(ecpa_pipeline.__file__).parent / "pipelines"


def _package(path: Path) -> str:
    return "ecpa_pipeline." + ".".join(path.relative_to(PIPELINES.parent).parent.parts)


def _imported_modules(source: str, package: str) -> set[str]:
    """Absolute module names a source imports (relative imports resolved against
    ``package``, the package the file lives in)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def test_no_pipeline_imports_another_pipeline():
    crossings = []
    for path in sorted(PIPELINES.rglob("*.py")):
        own = path.relative_to(PIPELINES).parts[0]
        for module in _imported_modules(path.read_text(encoding="utf-8"), _package(path)):
            parts = module.split(".")
            if parts[:2] == ["ecpa_pipeline", "pipelines"] and len(parts) > 2:
                if parts[2] != own:
                    crossings.append(f"{path.relative_to(PIPELINES)} imports {module}")
    assert not crossings, crossings


def test_the_import_check_sees_relative_and_absolute_imports():
    # The check above must be able to fail: both spellings of a crossing are recognised.
    source = "from ..exit_model import nodes\nimport ecpa_pipeline.pipelines.features.nodes\n"
    modules = _imported_modules(source, "ecpa_pipeline.pipelines.household_ranking")
    assert "ecpa_pipeline.pipelines.exit_model.nodes" in modules
    assert "ecpa_pipeline.pipelines.features.nodes" in modules
