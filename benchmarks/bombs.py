"""Hostile raw files at full size against the cleaning's read limits (#26).

Each bomb is planted in a copy of the tiny world's raw folder and the cleaning pipeline run on
it in a child process: it must stop with one line naming the file, within the memory of a
normal cleaning. The baseline is the cleaning of the same folder without a bomb, measured in
the same run; the target is a peak of at most 1 GB with the default limits.

    .venv/bin/python benchmarks/bombs.py [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.update(
    {"KEDRO_DISABLE_TELEMETRY": "1", "DO_NOT_TRACK": "true", "MLFLOW_DISABLE_TELEMETRY": "true"}
)

import openpyxl  # noqa: E402

from ecpa_pipeline.errors import project_error  # noqa: E402
from tests.conftest import clean_world, simulate_world  # noqa: E402

TARGET_MB = 1024
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
    b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)


def expanding_sheet(raw: Path) -> Path:
    """A 832 workbook whose sheet unpacks to ≈ 1.5 GB of rows (a few MB packed)."""
    template = sorted((raw / "orders" / "832").glob("*.xlsx"))[0]
    path = raw / "orders" / "832" / "bomb.xlsx"
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                out.writestr(item, source.read(item))
        row = b'<row><c t="inlineStr"><is><t>' + b"0" * 400 + b"</t></is></c></row>"
        with out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_HEAD)
            block = row * 10_000
            for _ in range(1_500_000_000 // len(block)):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    return path


def far_right_cells(raw: Path) -> Path:
    """A ≈ 1 MB 832 workbook with one cell in column XFD on each of 20 000 rows (openpyxl would
    fill every row to 16 384 cells)."""
    path = raw / "orders" / "832" / "bomb.xlsx"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(
        ["订单号", "供应商名称", "商品名称", "数量", "单位", "金额", "下单时间", "订单状态"]
    )
    for row in range(20_000):
        sheet.append([f"A{row}", *[None] * 16_382, "x"])
    book.save(path)
    return path


def comma_line(raw: Path) -> Path:
    """A registry year whose header is a 200 MB line of commas."""
    path = raw / "registry" / "registry_2019.csv"
    with path.open("wb") as out:
        for _ in range(200):
            out.write(b"," * 2**20)
        out.write(b"\n")
    return path


BOMBS = {
    "expanding_sheet": expanding_sheet,
    "far_right_cells": far_right_cells,
    "comma_line": comma_line,
}


def child(data_dir: Path) -> None:
    """Clean ``data_dir``; print the seconds, the peak memory and the one-line error if any."""
    logging.disable(logging.INFO)
    start = time.perf_counter()
    try:
        clean_world(data_dir)
        error = None
    except Exception as exc:
        found = project_error(exc)
        error = str(found) if found else f"not a project error: {exc!r}"[:300]
    print(
        json.dumps(
            {
                "seconds": round(time.perf_counter() - start, 2),
                "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "error": error,
            }
        )
    )


def measure(data_dir: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(data_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="ecpa-bombs-"))
    tiny = work / "tiny"
    if not (tiny / "01_raw").exists():
        simulate_world(tiny / "01_raw", "tiny")
    baseline = measure(tiny)
    rows = {"baseline (tiny world, no bomb)": baseline}
    for name, plant in BOMBS.items():
        folder = work / name
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(tiny / "01_raw", folder / "01_raw")
        path = plant(folder / "01_raw")
        result = measure(folder)
        result["file_mb"] = round(path.stat().st_size / 2**20, 2)
        result["peak_vs_baseline"] = round(result["peak_mb"] / baseline["peak_mb"], 2)
        result["within_target"] = result["peak_mb"] <= TARGET_MB and result["error"] is not None
        rows[name] = result
        shutil.rmtree(folder)
    print(json.dumps(rows, indent=2, ensure_ascii=False))
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / "bombs.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
