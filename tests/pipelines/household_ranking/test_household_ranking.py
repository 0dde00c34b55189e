"""``kedro run --pipelines=household_ranking`` on the tiny world with the exit model registered
in a temporary MLflow store: what officials open (CSV, Excel, HTML in headless Chromium),
what an auditor finds in MLflow, and that no personal data leaks."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import mlflow
import openpyxl
import pandas as pd
import pytest

from ecpa_pipeline.datasets import RegisteredModelDataset
from ecpa_pipeline.domain.pseudonym import fingerprint
from ecpa_pipeline.errors import ProjectError
from ecpa_pipeline.pipelines.household_ranking.pipeline import create_pipeline
from ecpa_pipeline.pipelines.household_ranking.report.labels import HOUSEHOLD_COLUMNS, word
from ecpa_pipeline.pipelines.household_ranking.scoring import score_households
from tests.conftest import (
    CJK,
    PROJECT_ROOT,
    TEST_SECRET,
    identities,
    kedro_command,
    kedro_run,
    mlflow_env,
    open_page,
    run_pipeline,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ranked(trained_store, tmp_path_factory):
    """Products recommended, then households ranked with the latest model (version 2);
    a snapshot of those outputs; then ranked again with version 1 by parameter."""
    store, data = trained_store["path"], trained_store["data"]
    kedro_run("product_recommendation", data, store)
    kedro_run("measure_effects", data, store)
    output = kedro_run("household_ranking", data, store)
    snapshot = tmp_path_factory.mktemp("ranking_latest")
    shutil.copytree(data / "08_reporting" / "household_ranking", snapshot, dirs_exist_ok=True)
    version_1 = kedro_run("household_ranking", data, store, "model_version=1")
    return {
        "store": store,
        "data": data,
        "out": snapshot,
        "output": output,
        "output_version_1": version_1,
        "csv": pd.read_csv(snapshot / "household_list.csv", dtype={"household_code": str}),
    }


@pytest.fixture(scope="module")
def client(ranked):
    mlflow.set_tracking_uri(f"sqlite:///{ranked['store']}/mlflow.db")
    return mlflow.MlflowClient()


def _ranking_runs(client):
    experiment = client.get_experiment_by_name("ecpa_pipeline")
    return client.search_runs(
        [experiment.experiment_id],
        filter_string="tags.`mlflow.runName` = 'household_ranking'",
        order_by=["attributes.start_time ASC"],
    )


def test_every_registered_poor_household_of_the_latest_year_is_listed_once(ranked):
    model_input = pd.read_parquet(ranked["data"] / "05_model_input" / "exit_model_input.parquet")
    latest = model_input[model_input["year"] == model_input["year"].max()]
    csv = ranked["csv"]
    assert len(csv) == len(latest) > 20
    assert set(csv["household_key"]) == set(latest["household_key"])
    assert csv["household_code"].is_unique
    assert sorted(csv["rank_county"]) == list(range(1, len(csv) + 1))
    assert csv["rank_county"].is_monotonic_increasing  # the list is in county order
    assert csv["exit_probability"].is_monotonic_increasing  # most in need first
    assert sorted(csv["readiness_rank"]) == list(range(1, len(csv) + 1))
    per_village = csv.groupby("village_code")["rank_village"]
    assert (per_village.max() == per_village.size()).all()
    assert csv["measures"].str.len().gt(0).all() and csv["reasons"].str.count("；").le(2).all()
    assert set(csv["risk_band"]) == {"高风险", "中风险", "低风险"}  # no band empty
    reasons = csv["reasons"].fillna("").str.split("；").explode()
    names = reasons.str.replace(r"[：（].*", "", regex=True)
    assert not names.groupby(level=0).apply(lambda r: r.duplicated().any()).any()  # no pair
    assert not names.isin(["年度（脱贫进度）", "所在县", "建档年数"]).any()  # plan and place
    income = reasons[names == "收入水平"]
    assert income.str.fullmatch(r"收入水平：人均纯收入 [\d,]+ 元，明年贫困线 [\d,]+ 元（.+）").all()
    assert (csv["scored_year"] == latest["year"].max()).all()
    assert "Scoring" in ranked["output"] and "exit plan" in ranked["output"]


def test_lists_name_the_registered_model_version_they_came_from(ranked, client):
    versions = {
        str(v.version): v.run_id for v in client.search_model_versions("name='poverty_exit'")
    }
    assert (ranked["csv"]["model_version"] == 2).all()  # latest by default
    runs = _ranking_runs(client)
    assert len(runs) == 2
    latest, chosen = runs[0].data.tags, runs[1].data.tags
    assert latest["model.name"] == "poverty_exit" and latest["model.version"] == "2"
    assert latest["model.run_id"] == versions["2"]
    assert chosen["model.version"] == "1" and chosen["model.run_id"] == versions["1"]
    assert "Using model poverty_exit version 1" in ranked["output_version_1"]
    now = pd.read_csv(ranked["data"] / "08_reporting" / "household_ranking" / "household_list.csv")
    assert (now["model_version"] == 1).all()
    for tag in ("git_commit", "digest.exit_model_input", "digest.households", "scoring_basis"):
        assert latest[tag], tag
    artifacts = {a.path for a in client.list_artifacts(runs[0].info.run_id)}
    assert {
        "household_ranking_audit_list.csv",
        "village_readiness.csv",
        "county_readiness.csv",
    } <= artifacts
    metrics = runs[0].data.metrics
    assert metrics["household_ranking_metrics.households"] == len(ranked["csv"])
    bands = ranked["csv"]["risk_band"].value_counts()
    assert metrics["household_ranking_metrics.band.high"] == bands.get("高风险", 0)
    assert metrics["household_ranking_metrics.band.low"] == bands.get("低风险", 0)


def _text_of(path: Path) -> str:
    """A file's text as a reader of it would see it (an .xlsx is zipped XML)."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return "".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist())
    return path.read_bytes().decode("utf-8", errors="ignore")


def test_the_key_fingerprint_is_tagged_and_another_key_is_refused(ranked, client):
    expected = fingerprint(TEST_SECRET)
    model = RegisteredModelDataset("poverty_exit", 2).load()
    assert model.tags["pseudonym_key_fingerprint"] == expected  # the training run's tag
    assert _ranking_runs(client)[0].data.tags["pseudonym_key_fingerprint"] == expected
    rows = pd.read_parquet(ranked["data"] / "05_model_input" / "exit_model_input.parquet")
    scoring = {"year": 2019, "exit_plan_share": 0.67, "basis": {}}
    other = {"pseudonym_key_fingerprint": fingerprint("0f" * 32)}
    with pytest.raises(ProjectError, match=rf"trained on pseudonyms of the key {expected}"):
        score_households(model, rows.head(5), scoring, other)


def test_no_full_id_number_phone_or_name_in_any_export_nor_in_mlflow(ranked):
    persons = identities(ranked["data"])
    households = pd.read_parquet(ranked["data"] / "03_primary" / "households.parquet")
    ids = set(persons["id_number"].dropna())
    phones = set(persons["phone"].dropna())
    names = {n for n in persons["name"].dropna() if len(n) >= 3}
    exports = [p for p in ranked["out"].rglob("*") if p.is_file()]
    assert {p.suffix for p in exports} >= {".csv", ".xlsx", ".html"}
    for path in exports:
        text = _text_of(path)
        leaked = [v for v in ids | phones | names if v in text]
        assert not leaked, (path.name, leaked[:3])
    masked = ranked["csv"]["head_id_number"].dropna()
    assert len(masked) and masked.str.fullmatch(r"\d{4}\*{10}[\dX]{4}").all()
    # MLflow: not even household codes, only pseudonyms
    codes = set(households["household_code"])
    for path in [p for p in ranked["store"].rglob("*") if p.is_file()]:
        text = _text_of(path)
        leaked = [v for v in ids | phones | names | codes if v in text]
        assert not leaked, (path.name, leaked[:3])


def test_the_workbook_has_a_summary_the_county_list_and_a_sheet_per_village(ranked):
    (path,) = (ranked["out"] / "workbooks").glob("*_zh.xlsx")
    villages = pd.read_csv(ranked["out"] / "village_readiness.csv", dtype={"village_code": str})
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames[:3] == ["汇总", "贫困户名单", "帮扶措施成效评估（发展类措施）"]
    assert len(workbook.sheetnames) == 3 + len(villages)
    households = workbook["贫困户名单"]
    header = [c.value for c in households[1]]
    assert header[:5] == ["县内排序", "乡镇内排序", "村内排序", "乡镇", "行政村"]
    assert "户主姓名" not in header and "户主证件号码" in header
    assert households.max_row - 1 == len(ranked["csv"])
    income = households.cell(2, header.index("人均纯收入(元)") + 1)
    assert isinstance(income.value, int) and income.number_format == "#,##0"
    summary = {r[0].value: r[1].value for r in workbook["汇总"].iter_rows(max_row=40)}
    assert isinstance(summary["贫困户数"], int) and isinstance(summary["当前贫困发生率"], float)
    assert households.freeze_panes == "A2"
    assert (
        households.auto_filter.ref
        == f"A1:{households.cell(1, len(header)).column_letter}{households.max_row}"
    )
    assert len(households.conditional_formatting) > 0
    assert households.print_title_rows == "$1:$1"
    assert households.page_setup.orientation == "landscape"
    # every household on exactly one village sheet, under the same header
    listed = 0
    for name in workbook.sheetnames[3:]:
        sheet = workbook[name]
        row = next(r for r in range(1, 6) if sheet.cell(r, 1).value == "县内排序")
        assert [c.value for c in sheet[row]] == header
        assert sheet.freeze_panes == f"A{row + 1}"
        listed += sheet.max_row - row
    assert listed == len(ranked["csv"])


def test_the_html_report_renders_sorts_and_filters_in_headless_chromium(ranked, browser):
    (path,) = (ranked["out"] / "html").glob("*_zh.html")
    page, errors, _ = open_page(browser, path)
    csv = ranked["csv"]
    page.select_option("#households select.page-size", "1000")  # the whole tiny list
    rows = page.locator("#households tbody tr")
    assert rows.count() == len(csv)
    assert page.locator("#villages tbody tr").count() == min(
        50, len(pd.read_csv(ranked["out"] / "village_readiness.csv"))
    )
    assert page.locator("svg#distribution g").count() == csv["village_code"].nunique()
    first = page.locator("#households tbody tr:first-child td:nth-child(6)").inner_text()
    assert first == csv["household_code"].iloc[0]  # most in need first

    header = page.locator(
        "#households th", has_text=word("exit_probability", "zh", HOUSEHOLD_COLUMNS)
    )
    column = header.get_attribute("data-index")
    header.click()
    header.click()  # descending: most likely to exit first
    assert header.get_attribute("aria-sort") == "descending"
    shown = page.locator(f"#households tbody td:nth-child({int(column) + 1})").all_inner_texts()
    assert all(v.endswith("%") for v in shown)  # likelihoods shown as percentages
    values = [float(v.rstrip("%")) for v in shown]
    assert values == sorted(values, reverse=True) and values != sorted(values)
    assert page.locator("#households tbody tr:first-child td:nth-child(6)").inner_text() != first

    band_filter = page.locator("#households select.filter").nth(2)
    assert band_filter.locator("option").all_inner_texts() == ["全部", "高风险", "中风险", "低风险"]
    band = csv["risk_band"].iloc[0]
    band_filter.select_option(band)
    assert rows.count() == int((csv["risk_band"] == band).sum())
    band_filter.select_option("")
    village = csv["village"].iloc[0]
    page.locator("#households select.filter").nth(1).select_option(village)
    assert rows.count() == int((csv["village"] == village).sum()) < len(csv)
    page.locator("#households select.filter").nth(1).select_option("")
    page.fill("#households input[type=search]", csv["household_code"].iloc[3])
    assert rows.count() == 1
    assert page.locator("#households .count").inner_text() == f"显示 1–1 / 1 (全部 {len(csv)})"
    assert not errors, errors


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_first_screen_shows_the_summary_and_the_most_in_need(ranked, browser, language):
    """Each language its own file; the first screen (screenshot kept beside the reports) is
    the header, the cards and the top of the household list — not the charts."""
    (path,) = (ranked["out"] / "html").glob(f"*_{language}.html")
    page, errors, seconds = open_page(browser, path)
    top = page.locator("#households tbody tr").first.bounding_box()
    assert top is not None and top["y"] < 900
    shot = ranked["data"] / "08_reporting" / f"household_ranking_first_screen_{language}.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000 and not errors and seconds < 2


def _without_names(text: str, data: Path) -> str:
    """``text`` without the names a report may keep in Chinese: places and products."""
    villages = pd.read_parquet(data / "03_primary" / "villages.parquet")
    places = pd.concat([villages[c] for c in ("county", "township", "village")]).dropna()
    for name in sorted(set(places), key=len, reverse=True):
        text = text.replace(name, "")
    return text


def test_english_reports_carry_no_chinese_but_names(ranked, browser):
    (path,) = (ranked["out"] / "html").glob("*_en.html")
    page, errors, _ = open_page(browser, path)
    page.select_option("#households select.page-size", "1000")
    shown = _without_names(page.locator("body").inner_text(), ranked["data"])
    assert not re.findall(CJK, shown), re.findall(f".{{0,30}}{CJK}+.{{0,30}}", shown)[:5]
    (workbook,) = (ranked["out"] / "workbooks").glob("*_en.xlsx")
    book = openpyxl.load_workbook(workbook, read_only=True)
    cells = " ".join(
        str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row if v
    )
    cells = _without_names(cells, ranked["data"])
    assert not re.findall(CJK, cells), re.findall(f".{{0,30}}{CJK}+.{{0,30}}", cells)[:5]
    assert not errors


def test_same_inputs_give_the_identical_csv_and_english_on_request(ranked, client):
    """In-process runs with the latest model reproduce the CLI's list byte for byte; the
    language switch turns every label and value into English."""
    mlflow.set_experiment("ecpa_pipeline")
    out = ranked["data"] / "08_reporting" / "household_ranking"
    lists = []
    for _ in range(2):
        with mlflow.start_run():
            run_pipeline(create_pipeline(), {"data_dir": str(ranked["data"])})
        lists.append((out / "household_list.csv").read_bytes())
    assert lists[0] == lists[1] == (ranked["out"] / "household_list.csv").read_bytes()

    officials = {"csv_language": "en", "languages": ["en"]}
    with mlflow.start_run():
        run_pipeline(create_pipeline(), {"data_dir": str(ranked["data"])}, {"officials": officials})
    english = pd.read_csv(out / "household_list.csv")
    assert set(english["risk_band"]) <= {"high risk", "medium risk", "low risk"}
    assert english["meets_exit_criteria"].isin(["yes", "no"]).all()
    assert english["main_cause"].str.fullmatch(r"[a-z ]+").all()
    assert english["reasons"].str.contains(r"\((?:favours|hinders) exit\)").all()
    assert not english["reasons"].str.contains(CJK).any()
    (workbook,) = (out / "workbooks").glob("*.xlsx")
    assert workbook.name.endswith("_en.xlsx")  # only the languages asked for
    sheet = openpyxl.load_workbook(workbook)["Households"]
    assert [c.value for c in sheet[1]][:3] == ["county rank", "township rank", "village rank"]
    (html,) = (out / "html").glob("*.html")
    text = html.read_text(encoding="utf-8")
    assert '<html lang="en">' in text and "Village readiness" in text and "贫困户名单" not in text


def test_two_list_runs_at_once_leave_one_whole_set(ranked):
    """Two data-team members start the lists together, one in English: both runs end well
    and the report folder holds one run's files, never a mix of the two (#26)."""
    data, store = ranked["data"], ranked["store"]
    runs = [
        subprocess.Popen(
            kedro_command(data, "--pipelines=household_ranking", params=params),
            cwd=PROJECT_ROOT,
            env=mlflow_env(store),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for params in ((), ("officials.csv_language=en", "officials.page_size=200"))
    ]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [o[-2000:] for o in outputs]
    out = data / "08_reporting" / "household_ranking"
    english = (
        pd.read_csv(out / "household_list.csv")["risk_band"]
        .isin(["high risk", "medium risk", "low risk"])
        .all()
    )
    pages = sorted((out / "html").glob("*.html"))
    assert len(pages) == 2  # zh and en, of the same run as the CSV:
    for page in pages:
        assert ('<option value="200" selected>' in page.read_text(encoding="utf-8")) == english
    assert len(list((out.parent / ".household_ranking.sets").iterdir())) == 1


def test_lists_show_expected_gains_and_allocate_by_effect_on_request(ranked, client):
    """With the registered measure-effect model the lists show each household's expected gain
    from its development measures and the assessment in words; `allocation=effects` re-chooses
    who gets them, village by village within the rules' numbers, entitlements untouched."""
    development = {"ecommerce_training", "skills_training", "job_placement", "industry_support"}
    development |= {"microcredit"}
    by_rules = ranked["csv"]
    assert by_rules["expected_gain"].notna().any()
    assert (by_rules["measure_codes"] == by_rules["rule_measure_codes"]).all()
    page = next((ranked["out"] / "html").glob("*_zh.html")).read_text(encoding="utf-8")
    assert "帮扶措施成效评估（发展类措施）" in page and "检验" in page
    assert "措施效果模型</td><td>measure_effects v1" in page

    output = kedro_run(
        "household_ranking",
        ranked["data"],
        ranked["store"],
        *["household_ranking.allocation=effects"],
    )
    assert "Using model measure_effects version 1" in output
    out = ranked["data"] / "08_reporting" / "household_ranking" / "household_list.csv"
    listed = pd.read_csv(out, dtype={"village_code": str})
    codes = {
        which: listed[which]
        .fillna("")
        .str.split(";")
        .explode()
        .to_frame("code")
        .join(listed["village_code"])
        for which in ("measure_codes", "rule_measure_codes")
    }
    other = lambda frame: frame[~frame["code"].isin(development | {"assess"})]  # noqa: E731
    # entitlements and e-commerce routes: household by household as the rules chose
    assert other(codes["measure_codes"]).equals(other(codes["rule_measure_codes"]))
    counts = {
        which: frame[frame["code"].isin(development)].value_counts(["village_code", "code"])
        for which, frame in codes.items()
    }
    given, capacity = counts["measure_codes"].align(counts["rule_measure_codes"], fill_value=0)
    assert (given <= capacity).all() and given.sum() > 0
    assert (listed["measure_codes"] != listed["rule_measure_codes"]).any()
    differs = listed["measure_codes"] != listed["rule_measure_codes"]
    assert listed.loc[differs, "rule_measures"].str.len().gt(0).all()
    tags = _ranking_runs(client)[-1].data.tags
    assert tags["measures.allocation"] == "effects"
    assert tags["measures.effect_model"] == "measure_effects:1"
