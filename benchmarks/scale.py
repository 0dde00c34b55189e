"""How time and memory grow with the world: simulate worlds of 1, … counties, run every step
of ``make run`` on each as its own ``kedro run`` child process and record the step's wall time
and peak memory (the child's max RSS), with ratios against the one-county world measured in
the same run (see README.md). With ``--county-by-county`` the worlds are provinces made one
county per process (``simulation.county_number``; simulation, cleaning and features per
county folder) and the province's models trained over the counties (``--env=province``)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEDRO = Path(sys.executable).parent / "kedro"
LAYERS = ("01_raw", "02_intermediate", "03_primary", "04_feature", "05_model_input",
          "06_models", "07_model_output", "08_reporting")  # fmt: skip
#: ``make run``'s steps in its order, the simulation first.
STEPS = ("simulation", "cleaning", "features", "exit_model", "monitoring_risk",
         "product_recommendation", "measure_effects", "household_ranking", "monitoring_lists",
         "monitoring_visits_model", "monitoring_visits")  # fmt: skip


def world_params(counties: int) -> list[str]:
    """``--params`` of a world of ``counties`` counties of the default county's size (the
    prefecture scale with that many counties in its one prefecture)."""
    return [
        "simulation.scale=prefecture",
        f"simulation.scales.prefecture.counties_per_prefecture={counties}",
    ]


def run_step(
    step: str, data_dir: Path, params: list[str], env: dict, kedro_env: str | None = None
) -> dict:
    """One ``kedro run --pipelines=<step>`` (in the Kedro environment ``kedro_env``, if given)
    in a child process: its wall time and max RSS."""
    command = [str(KEDRO), "run", f"--pipelines={step}",
               *([f"--env={kedro_env}"] if kedro_env else []),
               "--params", ",".join([f"data_dir={data_dir}", *params])]  # fmt: skip
    log = data_dir / f"{step}.log"
    start = time.perf_counter()
    with log.open("w") as out:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status):
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise SystemExit(f"step {step} failed on {data_dir}:\n{tail}")
    # Linux reports ru_maxrss in KiB.
    return {"step": step, "seconds": round(seconds, 1), "peak_rss_gb": usage.ru_maxrss / 2**20}


def measure_world(counties: int, workdir: Path, env: dict, steps: tuple[str, ...]) -> list[dict]:
    """Every step on a fresh world of ``counties`` counties in its own data folder."""
    data_dir = _data_folder(workdir / f"counties_{counties}")
    params = world_params(counties)
    rows = []
    for step in steps:
        row = {"counties": counties, **run_step(step, data_dir, params, env)}
        print(json.dumps(row), flush=True)
        rows.append(row)
    rows.append({"counties": counties, "step": "data on disk", "raw_gb": _gb(data_dir / "01_raw"),
                 "all_gb": _gb(data_dir)})  # fmt: skip
    return rows


#: Per county folder, then over the province's counties (``conf/province``), then each
#: county's lists with the province's models and village products (as ``make province``).
COUNTY_STEPS = ("simulation", "cleaning", "features")
PROVINCE_STEPS = ("exit_model", "monitoring_risk", "product_recommendation")
LIST_STEPS = ("household_ranking", "monitoring_lists")


def measure_county_by_county(
    counties: int, workdir: Path, env: dict, jobs: int = 1, steps: tuple[str, ...] = STEPS
) -> list[dict]:
    """A province of ``counties`` counties: the counties not made yet simulated, cleaned and
    featured one process each (shared by every province size; ``jobs`` counties at a time),
    then the province's models in a folder that links the first ``counties`` county folders,
    then every county's lists. Only ``steps`` run (a run stopped after the exit model resumes
    from the next step)."""
    folders = workdir / "counties"
    new = [k for k in range(1, counties + 1) if not (folders / f"county_{k:02d}").exists()]

    def made(k: int) -> list[dict]:
        folder = _data_folder(folders / f"county_{k:02d}")
        params = {"simulation": [f"simulation.county_number={k}"]}
        return _county_steps(k, _only(COUNTY_STEPS, steps), folder, params, env)

    rows = _each_county(made, new, jobs)
    province = workdir / f"province_{counties}"
    province.mkdir(exist_ok=True)
    for k in range(1, counties + 1):
        link = province / f"county_{k:02d}"
        if not link.exists():
            link.symlink_to(folders / link.name, target_is_directory=True)
    _data_folder(province)
    for step in _only(PROVINCE_STEPS, steps):
        row = {"counties": counties, **run_step(step, province, [], env, kedro_env="province")}
        row["step"] = f"province {step}"
        print(json.dumps(row), flush=True)
        rows.append(row)
    products = province / "07_model_output" / "village_product_recommendations.csv"
    with_province = {
        "household_ranking": ["exit_model_name=poverty_exit_province",
                              f"village_products_file={products}"],
        "monitoring_lists": ["monitoring_model_name=monitoring_risk_province"],
    }  # fmt: skip

    def listed(k: int) -> list[dict]:
        folder = province / f"county_{k:02d}"
        return _county_steps(k, _only(LIST_STEPS, steps), folder, with_province, env)

    return rows + _each_county(listed, range(1, counties + 1), jobs)


def measure_spark(
    counties: int, workdir: Path, env: dict, jobs: int = 1, baseline: int | None = None
) -> list[dict]:
    """The Spark path (``--env=spark``, ``local[2]``) on the raw exports of the first
    ``counties`` counties made by ``--county-by-county``: every county's cleaning and
    features as one Spark task each (``spark_counties``), then the registered province exit
    model (``poverty_exit_province``, trained beforehand) scoring every county through
    ``spark_udf`` (``spark_scores``). The baseline, measured first in the same run: the same
    work the pandas way on the first ``baseline`` counties (all by default), and
    ``spark_counties``' time against it at its rate per county. Peak RSS is the driver's
    Python process; the workers' is in each county's row of
    ``08_reporting/spark/county_runs.csv``."""
    baseline = min(baseline or counties, counties)
    rows = measure_pandas_counties(baseline, workdir, env, jobs)
    at_pandas_rate = rows[-1]["seconds"] * counties / baseline
    spark = _raw_exports_linked(workdir / f"spark_{counties}", counties, workdir)
    seconds = {}
    for step, params in (("spark_counties", []),
                         ("spark_scores", ["exit_model_name=poverty_exit_province"])):  # fmt: skip
        row = {"counties": counties, **run_step(step, spark, params, env, kedro_env="spark")}
        print(json.dumps(row), flush=True)
        rows.append(row)
        seconds[step] = row["seconds"]
    ratio = {"counties": counties, "step": "spark_counties / pandas",
             "ratio": round(seconds["spark_counties"] / at_pandas_rate, 3)}  # fmt: skip
    print(json.dumps(ratio), flush=True)
    return [*rows, ratio]


def measure_pandas_counties(counties: int, workdir: Path, env: dict, jobs: int) -> list[dict]:
    """What ``spark_counties`` does, the pandas way: each county's ``kedro run`` (cleaning
    and features) in a process of its own, ``jobs`` at a time (2 matches ``local[2]``), on the
    same raw exports in ``pandas_<counties>``: a row per county and one for the whole."""
    folder = _raw_exports_linked(workdir / f"pandas_{counties}", counties, workdir)

    def cleaned(k: int) -> list[dict]:
        row = run_step("__default__", folder / f"county_{k:02d}", [], env)
        return [{"counties": 1, "county": k, **row, "step": "pandas county (kedro run)"}]

    start = time.perf_counter()
    rows = _each_county(cleaned, range(1, counties + 1), jobs)
    whole = {"counties": counties, "step": "pandas counties",
             "seconds": round(time.perf_counter() - start, 1),
             "peak_rss_gb": max(row["peak_rss_gb"] for row in rows)}  # fmt: skip
    print(json.dumps(whole), flush=True)
    return [*rows, whole]


def _raw_exports_linked(folder: Path, counties: int, workdir: Path) -> Path:
    """``folder`` with a data folder per county whose ``01_raw`` links the raw exports that
    ``--county-by-county`` made in ``workdir/counties``."""
    for k in range(1, counties + 1):
        raw = folder / f"county_{k:02d}" / "01_raw"
        if not raw.exists():
            _data_folder(raw.parent).joinpath("01_raw").rmdir()
            raw.symlink_to(workdir / "counties" / raw.parent.name / "01_raw", True)
    return _data_folder(folder)


def _county_steps(
    k: int, steps: tuple[str, ...], folder: Path, params: dict, env: dict
) -> list[dict]:
    rows = []
    for step in steps:
        row = {"counties": 1, "county": k, **run_step(step, folder, params.get(step, []), env)}
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def _only(steps: tuple[str, ...], chosen: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(step for step in steps if step in chosen)


def _each_county(steps, counties, jobs: int) -> list[dict]:
    """``steps(k)`` for every county ``k``, ``jobs`` counties at a time (one child process
    each: a county's memory is its own), rows in county order."""
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return [row for rows in pool.map(steps, counties) for row in rows]


def _data_folder(folder: Path) -> Path:
    """``folder`` with the project's data layers in it."""
    for layer in LAYERS:
        (folder / layer).mkdir(parents=True, exist_ok=True)
    return folder


def _gb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**30


def table(rows: list[dict]) -> str:
    """Seconds and peak GB per step and world, with ratios against the one-county world."""
    # The first row of each step is its baseline (the smallest world; the first county).
    base = {}
    for r in rows:
        base.setdefault(r["step"], r)
    lines = ["| counties | step | seconds | × 1 county | peak RSS GB | × 1 county |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        if "seconds" not in r:
            continue
        b = base[r["step"]]
        where = f"county {r['county']}" if "county" in r else r["counties"]
        lines.append(
            f"| {where} | {r['step']} | {r['seconds']:.1f} | "
            f"{r['seconds'] / max(b['seconds'], 0.1):.2f} | {r['peak_rss_gb']:.2f} | "
            f"{r['peak_rss_gb'] / max(b['peak_rss_gb'], 0.01):.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--counties", type=int, nargs="+", default=[1, 2, 4],
        help="worlds to measure, by number of counties (the smallest is the baseline)",
    )  # fmt: skip
    parser.add_argument("--steps", nargs="+", default=list(STEPS), choices=STEPS)
    parser.add_argument("--workdir", type=Path, help="keep the worlds here (default: a temp dir)")
    parser.add_argument(
        "--county-by-county", action="store_true",
        help="provinces of --counties counties made and processed one county per process",
    )  # fmt: skip
    parser.add_argument(
        "--jobs", type=int, default=1,
        help="counties processed at a time, one process each (--county-by-county, the "
        "pandas baseline of --spark)",
    )  # fmt: skip
    parser.add_argument(
        "--spark", action="store_true",
        help="the Spark path on the counties --county-by-county made (same --workdir), "
        "after the pandas baseline (with --jobs 2 as local[2])",
    )  # fmt: skip
    parser.add_argument(
        "--baseline-counties", type=int,
        help="with --spark: the pandas baseline on the first N counties only (default: all)",
    )  # fmt: skip
    args = parser.parse_args()
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ecpa_scale_") as tmp:
        workdir = args.workdir or Path(tmp)
        # The runs track into a throw-away MLflow store, never the project's mlflow.db.
        env = {
            **os.environ,
            "KEDRO_DISABLE_TELEMETRY": "1",
            "DO_NOT_TRACK": "true",
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "KEDRO_LOGGING_CONFIG": str(ROOT / "conf" / "logging.yml"),
            "MLFLOW_TRACKING_URI": f"sqlite:///{workdir}/mlflow.db",
            "ECPA_MLFLOW_ARTIFACTS": str(workdir / "mlruns"),
        }
        rows = []
        for counties in sorted(args.counties):
            if args.county_by_county:
                rows += measure_county_by_county(
                    counties, workdir, env, args.jobs, tuple(args.steps)
                )
            if args.spark:
                rows += measure_spark(counties, workdir, env, args.jobs, args.baseline_counties)
            if not (args.county_by_county or args.spark):
                rows += measure_world(counties, workdir, env, tuple(args.steps))
    mode = "county_by_county_" * args.county_by_county + "spark_" * args.spark
    name = f"scale_{mode}" + "_".join(str(c) for c in sorted(args.counties))
    (results / f"{name}.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print(table(rows))
    print(f"saved benchmarks/results/{name}.json")


if __name__ == "__main__":
    main()
