"""Shared fixtures: project configuration, and simulated worlds written to temporary folders."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import sync_playwright

# Telemetry off for everything the tests start (kedro-telemetry and MLflow are separate).
os.environ.update(
    {"KEDRO_DISABLE_TELEMETRY": "1", "DO_NOT_TRACK": "true", "MLFLOW_DISABLE_TELEMETRY": "true"}
)
# One OpenMP/BLAS thread per process: the pytest-xdist workers already fill the cores, and
# spinning OpenMP threads of two processes on two cores slow a loop of small parallel steps
# (scikit-learn's L-BFGS) 30-fold. Set before anything loads the OpenMP runtime.
os.environ.setdefault("OMP_NUM_THREADS", "1")

from kedro.config import OmegaConfigLoader
from kedro.io import DataCatalog
from kedro.runner import SequentialRunner

from ecpa_pipeline.pipelines import cleaning, features, simulation
from ecpa_pipeline.settings import CONFIG_LOADER_ARGS

PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: Tests never use (or need) the machine's conf/local/credentials.yml.
TEST_SECRET = "9c1f4b7e2d86a03f5e19c7b24d6a8f0193e5b72c4a0d6e8f1b3c5a79e20d4f68"  # noqa: S105
TEST_CREDENTIALS = {"pseudonym_secret": {"key": TEST_SECRET}}


def load_config(runtime_params: dict | None = None) -> OmegaConfigLoader:
    """The project's configuration as ``kedro run`` sees it."""
    return OmegaConfigLoader(
        str(PROJECT_ROOT / "conf"), runtime_params=runtime_params or {}, **CONFIG_LOADER_ARGS
    )


@pytest.fixture(scope="session")
def parameters() -> dict:
    return dict(load_config()["parameters"])


def run_pipeline(
    pipeline, runtime_params: dict, param_overrides: dict | None = None, runner=None
) -> dict:
    """Run ``pipeline`` in-process on the project's catalog (no hooks, no MLflow).

    Args:
        pipeline: the Kedro pipeline.
        runtime_params: as ``kedro run --params`` (e.g. ``{"raw_dir": …}``).
        param_overrides: ``{top_level_key: {sub_key: value}}`` merged into parameters.

    Returns:
        The parameters used and the catalog after the run.
    """
    conf = load_config(runtime_params)
    params = copy.deepcopy(dict(conf["parameters"]))
    for key, values in (param_overrides or {}).items():
        params[key] = {**params[key], **values}
    catalog = DataCatalog.from_config(conf["catalog"], credentials=TEST_CREDENTIALS)
    for key, value in params.items():
        catalog[f"params:{key}"] = value
    (runner or SequentialRunner()).run(pipeline, catalog)
    return {"params": params, "catalog": catalog}


def simulate_world(
    raw_dir: Path,
    scale: str = "tiny",
    seed: int | None = None,
    county_number: int = 1,
    simulation_overrides: dict | None = None,
) -> dict:
    """Write a simulated world's raw files (and ``_truth/``) to ``raw_dir``
    (``simulation_overrides``: other ``simulation`` parameters, each key replaced whole)."""
    overrides = {"scale": scale, "county_number": county_number, **(simulation_overrides or {})}
    overrides |= {"seed": seed} if seed is not None else {}
    return run_pipeline(
        simulation.create_pipeline(), {"raw_dir": str(raw_dir)}, {"simulation": overrides}
    )


@pytest.fixture(scope="session")
def county_state(parameters) -> dict:
    """The default county's simulated state (no files): ~12 000 households, 2014–2020."""
    sim = parameters["simulation"]
    villages = simulation.nodes.simulate_villages(sim)
    products = simulation.nodes.simulate_products(parameters["simulation_products"])
    _, potential = simulation.nodes.simulate_production(villages, products, sim)
    shops, orders, revenue = simulation.nodes.simulate_sales(potential, villages, products, sim)
    households, persons, hh_years, _, shops = simulation.nodes.simulate_households(
        villages, shops, revenue, parameters["poverty_line"], sim
    )
    return {
        "sim": sim,
        "villages": villages,
        "products": products,
        "potential": potential,
        "shops": shops,
        "orders": orders,
        "revenue": revenue,
        "households": households,
        "persons": persons,
        "hh_years": hh_years,
    }


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory) -> Path:
    """A tiny simulated county (10 villages, ~300 households) written once per session."""
    raw = tmp_path_factory.mktemp("tiny") / "01_raw"
    simulate_world(raw, "tiny")
    return raw


@pytest.fixture(scope="session")
def county_world(tmp_path_factory) -> Path:
    """The default simulated county (150 villages, ~12 000 households), written once."""
    raw = tmp_path_factory.mktemp("county") / "01_raw"
    simulate_world(raw, "county")
    return raw


def clean_world(data_dir: Path) -> dict:
    """Run the cleaning pipeline on ``data_dir/01_raw``, writing every layer under ``data_dir``."""
    return run_pipeline(cleaning.create_pipeline(), {"data_dir": str(data_dir)})


@pytest.fixture(scope="session")
def county_cleaned(county_world) -> Path:
    """The default county, simulated and cleaned once per session; returns the data folder."""
    clean_world(county_world.parent)
    return county_world.parent


@pytest.fixture(scope="session")
def tiny_modelled(tmp_path_factory) -> Path:
    """A tiny world simulated, cleaned and turned into the exit model's input; returns the
    data folder (its own copy: tests may run MLflow training on it)."""
    data = tmp_path_factory.mktemp("tiny_modelled")
    simulate_world(data / "01_raw", "tiny")
    clean_world(data)
    run_pipeline(features.create_pipeline(), {"data_dir": str(data)})
    return data


#: A Kedro environment for CLI runs in tests: holds the test pseudonym key (no conf/local).
#: One per pytest-xdist worker: a worker that ends removes its own, never another's.
TEST_ENV = "_".join(filter(None, ("pytest_env", os.environ.get("PYTEST_XDIST_WORKER"))))


@pytest.fixture(scope="session")
def kedro_env():
    """Creates ``conf/pytest_env`` (git-ignored) with the test pseudonym key, for the session."""
    folder = PROJECT_ROOT / "conf" / TEST_ENV
    folder.mkdir(exist_ok=True)
    (folder / "credentials.yml").write_text(
        f"pseudonym_secret:\n  key: {TEST_SECRET}\n", encoding="utf-8"
    )
    yield TEST_ENV
    (folder / "credentials.yml").unlink()
    folder.rmdir()


def mlflow_env(store: Path) -> dict:
    """Environment of a CLI run that tracks into the temporary MLflow store ``store``."""
    return {
        **os.environ,
        "MLFLOW_TRACKING_URI": f"sqlite:///{store}/mlflow.db",
        "ECPA_MLFLOW_ARTIFACTS": str(store / "mlruns"),
        "KEDRO_LOGGING_CONFIG": str(PROJECT_ROOT / "conf" / "logging.yml"),
    }


def kedro_command(
    data: Path, *options: str, params: tuple[str, ...] = (), env: str = TEST_ENV
) -> list[str]:
    """The words of ``kedro run <options> --env=<env> --params data_dir=<data>,<params>``."""
    return [
        str(Path(sys.executable).parent / "kedro"),
        "run",
        *options,
        f"--env={env}",
        "--params",
        ",".join([f"data_dir={data}", *params]),
    ]


def kedro_cli(
    data: Path, store: Path, *options: str, params: tuple[str, ...] = (), env: str = TEST_ENV
) -> subprocess.CompletedProcess:
    """``kedro run <options> --env=<env> --params data_dir=<data>,<params>`` into the MLflow
    store ``store``, as a data team types it; the finished process (not checked)."""
    return subprocess.run(
        kedro_command(data, *options, params=params, env=env),
        cwd=PROJECT_ROOT,
        env=mlflow_env(store),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def kedro_run(pipeline: str, data: Path, store: Path, *params: str) -> str:
    """``kedro run --pipelines=<pipeline>`` on ``data`` into ``store``; returns its output.

    Each of ``params`` is one more ``key=value`` of ``--params``.
    """
    result = kedro_cli(data, store, f"--pipelines={pipeline}", params=params)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    return output


@pytest.fixture(scope="session")
def trained_store(tiny_modelled, tmp_path_factory, kedro_env):
    """The exit model trained twice on the tiny world through ``kedro run``, into a temporary
    MLflow store: ``poverty_exit`` versions 1 and 2. Returns the store, the data folder and
    the first training's test scores."""
    store = tmp_path_factory.mktemp("mlflow")
    kedro_run("exit_model", tiny_modelled, store)
    first = pd.read_parquet(tiny_modelled / "07_model_output" / "exit_test_scores.parquet")
    kedro_run("exit_model", tiny_modelled, store)
    return {"path": store, "data": tiny_modelled, "first_scores": first}


def identities(data: Path) -> pd.DataFrame:
    """The data folder's restricted table of names, ID numbers and phones."""
    return pd.read_parquet(data / "03_primary" / "restricted" / "person_identities.parquet")


def assert_no_personal_data(store: Path, data: Path, min_files: int = 11) -> None:
    """No ID number, phone, household code or name (3+ characters) of the data folder's
    people anywhere in the MLflow store ``store`` (database and artifacts; at least
    ``min_files`` files, so that an empty store does not pass)."""
    people = identities(data)
    needles = (
        set(people["id_number"].dropna())
        | set(people["phone"].dropna())
        | set(people["household_code"].dropna())
    )
    names = {n for n in people["name"].dropna() if len(n) >= 3}
    files = [p for p in store.rglob("*") if p.is_file()]
    assert any(p.name == "mlflow.db" for p in files) and len(files) >= min_files
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="ignore")
        leaked = [n for n in needles if n in text] + [n for n in names if n in text]
        assert not leaked, (path, leaked[:3])


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Chinese characters (and full-width punctuation): none in an English report but in names.
CJK = r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]"


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's, driven by Playwright) for the officials' pages."""
    if not CHROMIUM.exists():
        pytest.fail("headless Chromium is missing: `make browser` installs Debian's chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_page(browser, path: Path) -> tuple:
    """``path`` opened in a new tab at a laptop's size: the page, the errors it logs (console
    errors and uncaught exceptions) and the seconds until its ``load`` event."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    start = time.perf_counter()
    page.goto(path.as_uri(), wait_until="load")
    return page, errors, time.perf_counter() - start
