"""Project errors reach the user as one line: first in the log, last on the terminal."""

from __future__ import annotations

import logging
import shutil

import pytest
from kedro.io import DatasetError

from ecpa_pipeline.errors import NodeFailureInOneLine, ProjectError, project_error
from tests.conftest import PROJECT_ROOT, kedro_cli


def _log_failure(logger: logging.Logger, error: Exception) -> None:
    """Log a node failure the way Kedro does: inside the except block."""
    try:
        raise error
    except Exception as exc:
        logger.error("Node %s failed with error: \n%s", "clean_registry_node", str(exc))


def test_a_node_failing_with_a_project_error_logs_its_line_alone(caplog):
    logger = logging.getLogger("tests.kedro_node")
    logger.addFilter(NodeFailureInOneLine())
    with caplog.at_level(logging.ERROR, logger="tests.kedro_node"):
        _log_failure(logger, ProjectError("registry/registry_2019.csv: empty file"))
        _log_failure(logger, KeyError("a bug"))
    first, second = (r.getMessage() for r in caplog.records)
    assert first == "registry/registry_2019.csv: empty file"
    assert second.startswith("Node clean_registry_node failed with error")


def test_the_project_error_is_found_behind_a_dataset_error():
    try:
        try:
            raise ProjectError("the pseudonym key has 4 bytes")
        except ProjectError as inner:
            raise DatasetError("Failed while loading data from dataset") from inner
    except DatasetError as outer:
        assert str(project_error(outer)) == "the pseudonym key has 4 bytes"
    assert project_error(ValueError("other")) is None


@pytest.mark.slow
def test_a_run_without_a_pseudonym_key_says_how_to_make_one(tiny_modelled, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(tiny_modelled / "03_primary", data / "03_primary")
    env = PROJECT_ROOT / "conf" / "pytest_nokey"  # an environment without credentials.yml
    env.mkdir(exist_ok=True)
    try:
        result = kedro_cli(data, tmp_path, "--pipelines=features", env="pytest_nokey")
    finally:
        env.rmdir()
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 1
    assert "Traceback" not in output and "KeyError" not in output
    message = "no pseudonym key (pseudonym_secret.key in conf/<env>/credentials.yml)"
    assert output.splitlines()[-1].startswith("Error: " + message)
    errors = [line for line in output.splitlines() if " - ERROR - " in line]
    assert errors[0].split(" - ERROR - ", 1)[1].startswith(message)
    assert "secrets.token_hex(32)" in output
