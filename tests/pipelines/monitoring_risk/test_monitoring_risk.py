"""The monitoring-risk model: its input never sees a field that encodes the label, and
``kedro run --pipelines=monitoring_risk`` trains, evaluates and registers it in MLflow; then
``monitoring_lists`` turns it into the officials' lists (CSV, workbook, HTML), and the
monthly visit model (``monitoring_visits_model``, the yearly model its prior) into the
month's visit lists (``monitoring_visits``). One file: one training of the yearly model."""

from __future__ import annotations

import re

import mlflow
import numpy as np
import openpyxl
import pandas as pd
import pytest

from ecpa_pipeline.datasets import RawFilesDataset
from ecpa_pipeline.errors import ProjectError
from ecpa_pipeline.pipelines.cleaning import nodes as nodes_of_cleaning
from ecpa_pipeline.pipelines.exit_model.split import check_no_label_fields, split_transitions
from ecpa_pipeline.pipelines.features.monitoring import monitoring_model_input
from ecpa_pipeline.pipelines.monitoring_visits.months import keyed_visits
from tests.conftest import CJK, assert_no_personal_data, kedro_cli, kedro_run, open_page


def test_a_label_encoding_feature_stops_the_run(parameters):
    params = parameters["monitoring_risk"]
    never = params["never_features"]
    check_no_label_fields(params["features"], never)  # the configured features are clean
    with pytest.raises(ProjectError, match="monitoring_since"):
        check_no_label_fields([*params["features"], "monitoring_since"], never)
    with pytest.raises(ProjectError, match="measure_health"):
        check_no_label_fields(["year", "measure_health"], never)  # a prefix rule (measure_*)
    rows = pd.DataFrame({"household_key": ["a"], "year": [2021], params["label"]: [1.0]})
    leaky = {**params, "features": {**params["features"], "eliminated_since": {}}}
    with pytest.raises(ProjectError, match="eliminated_since"):
        split_transitions(rows, leaky)


def _household(code, year, since=None, eliminated=None, **extra) -> dict:
    monitored = since is not None
    return {
        "year": year,
        "household_code": code,
        "village_code": "520122101201",
        "monitoring_since": since,
        "monitored": monitored,
        "monitored_now": monitored and eliminated is None,
        "eliminated_since": eliminated,
        **extra,
    }


def test_the_label_is_identification_next_year_and_monitored_households_are_not_rows(
    parameters,
):
    fields = {
        "household_status": "脱贫户", "household_type": "一般贫困户", "main_cause": "因病",
        "member_count": 3, "head_sex": "男", "head_age": 50, "head_ethnicity": "汉族",
        "income_per_capita": 9000.0, "income_to_line": 1.5, "net_income": 27000.0,
        "wage_income": 20000.0, "business_income": 5000.0, "business_cost": 1000.0,
        "property_income": 0.0, "transfer_income": 3000.0, "ecommerce_income": 0.0,
        "medical_out_of_pocket": 0.0, "unsafe_housing": False, "safe_water": True,
        "water_difficulty": False, "farmland_mu": 3.0, "forest_mu": 1.0, "housing_m2": 60.0,
        "road_distance_km": 1.0, "access_road": "水泥路", "cooperative_member": False,
        "ecommerce_mode": "未参与",
    }  # fmt: skip
    households = pd.DataFrame(
        [
            _household("A", 2021, **fields),
            _household("A", 2022, since=202205, **fields),  # identified in 2022
            _household("A", 2023, since=202205, eliminated=202304, **fields),
            _household("B", 2021, **fields),
            _household("B", 2022, **fields),
            _household("B", 2023, **fields),
        ]
    )
    members = households[["year", "household_code"]].assign(
        dependency_ratio=0.5, n_labour_ordinary=2, n_labour_skilled=0, n_labour_weak=0,
        n_no_labour=1, education_max=2.0, education_mean=1.5, n_serious_illness=0,
        n_chronic_illness=0, n_disabled=0, n_student=1, migrant_months=6, n_migrant=1,
    )  # fmt: skip
    villages = pd.DataFrame(
        {
            "village_code": ["520122101201"], "county_code": ["520122"], "region": ["西部"],
            "terrain": ["山区"], "elevation_m": [900.0], "county_distance_km": [30.0],
            "paved_road": [True], "broadband": [True], "express_point": [False],
            "ecommerce_station": [False], "cold_chain": [False], "poor_village": [True],
        }
    )  # fmt: skip
    keys = pd.DataFrame({"household_code": ["A", "B"], "household_key": ["hA", "hB"]})
    rows = monitoring_model_input(
        households, members, villages, keys, parameters["monitoring_risk"]
    ).set_index(["household_key", "year"])["identified_next_year"]
    assert rows[("hA", 2021)] == 1.0  # identified during 2022
    assert ("hA", 2022) not in rows.index  # a monitoring object at the end of 2022
    assert pd.isna(rows[("hA", 2023)])  # eliminated in 2023; 2024 not observed
    assert rows[("hB", 2021)] == 0.0 and rows[("hB", 2022)] == 0.0
    never = parameters["monitoring_risk"]["never_features"]
    table = monitoring_model_input(
        households, members, villages, keys, parameters["monitoring_risk"]
    )
    leaked = [c for c in table.columns if c != "identified_next_year"]
    check_no_label_fields(leaked, never)  # no label-encoding column even reaches the input


def assert_english_but_places(text: str, data) -> None:
    """No Chinese in ``text`` once the county's place names are taken out."""
    villages = pd.read_parquet(data / "03_primary" / "villages.parquet")
    for name in pd.concat([villages[c] for c in ("county", "township", "village")]):
        text = text.replace(name, "")
    assert not re.findall(CJK, text), re.findall(f".{{0,30}}{CJK}+.{{0,30}}", text)[:5]


@pytest.fixture(scope="module")
def store(tiny_modelled, tmp_path_factory, kedro_env):
    """``monitoring_risk`` trained once on the tiny world, into a temporary MLflow store."""
    path = tmp_path_factory.mktemp("mlflow_monitoring")
    kedro_run("monitoring_risk", tiny_modelled, path)
    mlflow.set_tracking_uri(f"sqlite:///{path}/mlflow.db")
    return {"path": path, "data": tiny_modelled, "client": mlflow.MlflowClient()}


@pytest.mark.slow
def test_training_is_one_run_registered_as_monitoring_risk(store):
    client = store["client"]
    experiment = client.get_experiment_by_name("ecpa_pipeline")
    (run,) = client.search_runs([experiment.experiment_id])
    for scorer in ("model", "official_rule", "pmt_logit", "oracle"):
        assert f"monitoring_risk.exit_metrics.test.{scorer}.roc_auc" in run.data.metrics
    assert run.data.params["monitoring_risk.label"] == "identified_next_year"
    assert re.fullmatch(r"[0-9a-f]{16}", run.data.tags["digest.monitoring_model_input"])
    assert re.fullmatch(r"fp_[0-9a-f]{16}", run.data.tags["pseudonym_key_fingerprint"])
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {
        "metrics.csv",
        "fairness.csv",
        "model_card.md",
        "monitoring_risk_test_scores.parquet",
    } <= artifacts
    versions = client.search_model_versions("name='monitoring_risk'")
    assert [(int(v.version), v.run_id) for v in versions] == [(1, run.info.run_id)]
    metrics = pd.read_csv(store["data"] / "08_reporting" / "monitoring_risk" / "metrics.csv")
    assert {"model", "official_rule", "pmt_logit", "oracle"} <= set(metrics["scorer"])
    assert (metrics["roc_auc_low"] <= metrics["roc_auc"]).all()
    scores = pd.read_parquet(
        store["data"] / "07_model_output" / "monitoring_risk_test_scores.parquet"
    )
    assert {"risk_probability", "factor_1_zh", "factor_1_en"} <= set(scores.columns)
    card = (store["data"] / "08_reporting" / "monitoring_risk" / "model_card.md").read_text("utf-8")
    assert "monitoring_risk" in card and "never" in card.lower()


@pytest.mark.slow
def test_no_personal_data_of_the_monitoring_export_in_mlflow(store, lists):
    # After the lists' run too: its audit list and tags are in the same store.
    assert_no_personal_data(store["path"], store["data"])


@pytest.fixture(scope="module")
def lists(store):
    """``monitoring_lists`` run on the tiny world with the model trained above."""
    kedro_run("monitoring_lists", store["data"], store["path"])
    out = store["data"] / "08_reporting" / "monitoring_lists"
    return {
        "out": out,
        "warning": pd.read_csv(out / "early_warning.csv", dtype=str),
        "elimination": pd.read_csv(out / "risk_elimination.csv", dtype=str),
    }


@pytest.mark.slow
def test_the_lists_cover_every_household_in_the_latest_year(store, lists, parameters):
    households = pd.read_parquet(store["data"] / "03_primary" / "monitoring_households.parquet")
    latest = households[households["year"] == households["year"].max()]
    warning, elimination = lists["warning"], lists["elimination"]
    # Not monitored at the end of the year: warned of; monitored: checked. Nobody twice.
    assert len(warning) == int((~latest["monitored_now"]).sum())
    assert len(elimination) == int(latest["monitored_now"].sum())
    assert not set(warning["户编号"]) & set(elimination["户编号"])
    risk = warning["明年被识别可能性"].astype(float)
    for _, county in warning.groupby("county_code"):  # highest risk first, ranks 1…n
        ranks = county["县内排名"].astype(int).tolist()
        assert ranks == list(range(1, len(county) + 1))
    assert risk.between(0, 1).all()
    assert (warning["建议帮扶措施"] != "").all()
    reasons = warning["主要原因"].fillna("").str.split("；")
    assert reasons.map(len).le(3).all()
    names = reasons.explode().str.replace(r"[：（].*", "", regex=True)
    assert not names.groupby(level=0).apply(lambda r: r.duplicated().any()).any()  # no pair
    assert not names.isin(["年度", "所在县"]).any()  # the year and the county are context
    assert set(warning["风险等级"]) == {"高", "关注", "低"}  # no band empty
    meets = elimination["符合风险消除条件"] == "是"
    assert (elimination.loc[meets, "尚未满足"].fillna("") == "").all()
    assert (elimination.loc[~meets, "尚未满足"].fillna("") != "").all()
    months = elimination["已监测月数"].astype(float)
    assert not (meets & (months < 6)).any()  # ≥ 6 months before risk elimination
    # Personal data masked in what officials print.
    assert warning["户主身份证号"].dropna().str.contains(r"\*{10}").all()
    assert elimination["联系电话"].dropna().str.contains(r"\*").all()


@pytest.mark.slow
@pytest.mark.parametrize("language", ["zh", "en"])
def test_each_language_has_its_workbook_with_both_lists(lists, language):
    (path,) = (lists["out"] / "workbooks").glob(f"*_{language}.xlsx")
    book = openpyxl.load_workbook(path)
    names = book.sheetnames
    expected = {
        "zh": ["说明", "预警名单", "风险消除核查"],
        "en": ["About", "Early warning", "Risk elimination check"],
    }
    assert names == expected[language]
    early, check = book[names[1]], book[names[2]]
    assert early.max_row - 1 == len(lists["warning"])
    assert check.max_row - 1 == len(lists["elimination"])
    header = [c.value for c in early[1]]
    likelihood = {"zh": "明年被识别可能性", "en": "likelihood of identification next year"}
    cell = early.cell(2, header.index(likelihood[language]) + 1)
    assert isinstance(cell.value, float) and cell.number_format == "0%"  # a number, shown as %
    assert early.freeze_panes == "A2" and early.page_setup.orientation == "landscape"
    assert len(early.conditional_formatting) > 0  # bands in colour, as in the household lists


@pytest.mark.slow
@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_county_page_opens_on_the_most_at_risk(lists, browser, language, store):
    (path,) = (lists["out"] / "html").glob(f"*_{language}.html")
    page, errors, seconds = open_page(browser, path)
    rows = page.locator("#early_warning tbody tr")
    assert rows.count() == min(50, len(lists["warning"]))
    assert page.locator("#risk_elimination tbody tr").count() == min(50, len(lists["elimination"]))
    first = page.locator("#early_warning tbody tr:first-child td:nth-child(5)")
    assert first.inner_text() == lists["warning"]["户编号"].iloc[0]
    text = page.locator("body").inner_text()
    assert "monitoring_risk v1" in text
    page.screenshot(
        path=str(store["data"] / "08_reporting" / f"monitoring_first_screen_{language}.png")
    )
    assert not errors and seconds < 2
    if language == "en":
        assert_english_but_places(text, store["data"])


@pytest.mark.slow
def test_english_csvs_carry_no_chinese_but_names(store, lists):
    """With ``officials.csv_language=en`` the CSVs for other systems are English throughout,
    place names aside."""
    kedro_run("monitoring_lists", store["data"], store["path"], "officials.csv_language=en")
    warning = pd.read_csv(lists["out"] / "early_warning.csv", dtype=str)
    elimination = pd.read_csv(lists["out"] / "risk_elimination.csv", dtype=str)
    kedro_run("monitoring_lists", store["data"], store["path"])  # back to Chinese
    names = {"county", "township", "village", "head's name"}
    for table in (warning, elimination):
        shown = table.drop(columns=[c for c in table if c in names]).fillna("")
        text = " ".join(shown.columns) + " ".join(shown.astype(str).agg(" ".join, axis=1))
        assert not re.findall(CJK, text), re.findall(f".{{0,30}}{CJK}+.{{0,30}}", text)[:5]


@pytest.fixture(scope="module")
def visits(store):
    """The monthly visit model trained on the tiny world with the yearly model above as its
    prior (``monitoring_visits_model``), then the visit lists of the latest month pushed and
    of one two months before (``monitoring_visits``, ``--params month=YYYYMM``)."""
    kedro_run("monitoring_visits_model", store["data"], store["path"])
    kedro_run("monitoring_visits", store["data"], store["path"])
    alerts = pd.read_parquet(store["data"] / "03_primary" / "alerts.parquet")
    months = sorted(alerts["push_month"].unique())
    kedro_run("monitoring_visits", store["data"], store["path"], f"month={months[-3]}")
    out = store["data"] / "08_reporting" / "monitoring_visits"
    return {"out": out, "latest": int(months[-1]), "earlier": int(months[-3])}


@pytest.mark.slow
def test_the_visit_model_is_registered_with_its_evaluation_against_the_baselines(
    store, visits, parameters
):
    client = store["client"]
    experiment = client.get_experiment_by_name("ecpa_pipeline")
    (run,) = client.search_runs(
        [experiment.experiment_id], "attributes.run_name = 'monitoring_visits_model'"
    )
    versions = client.search_model_versions("name='monitoring_visits'")
    assert [(int(v.version), v.run_id) for v in versions] == [(1, run.info.run_id)]
    for scorer in ("yearly", "official_rule", "model", "truth"):
        assert f"visit_metrics.test.{scorer}.within_2m" in run.data.metrics
    assert re.fullmatch(r"[0-9a-f]{16}", run.data.tags["digest.alerts"])
    assert re.fullmatch(r"fp_[0-9a-f]{16}", run.data.tags["pseudonym_key_fingerprint"])
    assert {"scorers.csv", "scorers_by_month.csv", "candidates.csv"} <= {
        a.path for a in client.list_artifacts(run.info.run_id)
    }
    table = pd.read_csv(store["data"] / "08_reporting" / "monitoring_visits_model" / "scorers.csv")
    configured = parameters["monitoring_visits"]["capacity"]["visits_per_township"]
    assert sorted(set(table["capacity"])) == sorted(
        {configured, *parameters["monitoring_visits"]["evaluation"]["capacities"]}
    )
    scorers = table[table["capacity"] == configured].set_index("scorer")
    assert list(scorers.index) == [
        "yearly",
        "official_rule",
        "model",
        "model_probability_only",
        "truth",
    ]
    # One capacity for all: the model fills it, the official rule may find fewer clues.
    assert (scorers["visits"] <= scorers.loc["model", "visits"]).all()
    assert (scorers["within_2m_low"] <= scorers["within_2m"]).all()
    assert (scorers["within_2m"] <= scorers["within_2m_high"]).all()
    assert scorers.loc["truth", "within_2m"] >= scorers.loc["model", "within_2m"]  # the ceiling
    assert (scorers["within_1m"] <= scorers["within_2m"]).all()
    (candidates,) = pd.read_csv(
        store["data"] / "08_reporting" / "monitoring_visits_model" / "candidates.csv"
    ).to_dict("records")
    assert 0 < candidates["visited_by_model"] <= candidates["candidates"]
    # Found in the truth by the clue's ID number: all but a clue whose ID a defect changed.
    assert candidates["matched_to_truth"] >= 0.95 * candidates["candidates"]
    assert candidates["truth_below_line"] <= candidates["matched_to_truth"]


@pytest.mark.slow
def test_a_months_list_keeps_capacity_green_channel_first_then_probability(visits, parameters):
    capacity = parameters["monitoring_visits"]["capacity"]["visits_per_township"]
    for month in (visits["latest"], visits["earlier"]):
        folder = "latest" if month == visits["latest"] else str(month)
        listed = pd.read_csv(visits["out"] / folder / "visits.csv", dtype=str)
        assert len(listed) and (listed["month"] == str(month)).all()
        for _, township in listed.groupby("乡镇"):
            assert len(township) <= capacity
            green = (township["绿色通道"] == "是").to_numpy()
            assert (np.diff(green.astype(int)) <= 0).all()  # green channel first
            rest = township.loc[~green, "纳入可能性"].astype(float).to_numpy()
            assert (np.diff(rest) <= 1e-12).all()  # then by probability
            assert township["核查顺序"].astype(int).tolist() == list(range(1, len(township) + 1))
        assert listed["证件号码"].dropna().str.contains(r"\*{10}").all()  # masked
        new = listed["candidate"] == "True"
        assert listed.loc[new, "户编号"].isna().all()  # a candidate has no household code yet
        assert (listed.loc[~new, "户编号"].notna()).all()
        assert listed[["核查日期", "核查结果", "原因"]].isna().all().all()  # for the township
        # 核查编号: a returned sheet is read back by it, through the month's stored numbers.
        numbers = pd.read_parquet(
            visits["out"].parents[1] / "07_model_output" / "visit_lists" / f"{month}.parquet"
        )
        assert listed["核查编号"].is_unique
        assert sorted(numbers["visit_id"]) == sorted(listed["核查编号"])
        assert numbers["household_key"].str.match(r"^[hr]_[0-9a-f]{20}$").all()


@pytest.mark.slow
@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_visit_workbook_has_a_sheet_per_township_and_the_candidates(visits, language):
    (path,) = (visits["out"] / "latest" / "workbooks").glob(f"*_{language}.xlsx")
    book = openpyxl.load_workbook(path)
    listed = pd.read_csv(visits["out"] / "latest" / "visits.csv", dtype=str)
    townships = sorted(listed.loc[listed["candidate"] == "False", "乡镇"].unique())
    first = {"zh": ["说明", "汇总"], "en": ["About", "Summary"]}[language]
    last = {"zh": "新户候选", "en": "Candidates"}[language]
    assert book.sheetnames == [*first, *townships, last]
    sheet = book[townships[0]]
    header = [c.value for c in sheet[1]]
    outcome = {"zh": ["核查日期", "核查结果", "原因"], "en": ["visit date", "outcome", "reason"]}
    assert header[-3:] == outcome[language]
    assert sheet.max_row - 1 == int(
        ((listed["乡镇"] == townships[0]) & (listed["candidate"] == "False")).sum()
    )


@pytest.mark.slow
@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_visit_page_opens_and_speaks_its_language(visits, browser, language, store):
    (path,) = (visits["out"] / "latest" / "html").glob(f"*_{language}.html")
    page, errors, seconds = open_page(browser, path)
    assert not errors and seconds < 2
    assert page.locator("#visits tbody tr").count() > 0
    text = page.locator("body").inner_text()
    assert "monitoring_visits v1" in text and str(visits["latest"]) in text
    if language == "en":
        assert_english_but_places(text, store["data"])


@pytest.mark.slow
def test_no_personal_data_of_the_alerts_in_mlflow(store, visits):
    assert_no_personal_data(store["path"], store["data"])
    named = pd.read_parquet(
        store["data"] / "03_primary" / "restricted" / "alert_identities.parquet"
    )
    needles = set(named["id_number"]) | {n for n in named["name"] if len(n) >= 3}
    for path in (p for p in store["path"].rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", errors="ignore")
        assert not [n for n in needles if n in text], path


@pytest.mark.slow
def test_a_month_nobody_pushed_in_stops_with_the_months_there_are(store, visits):
    result = kedro_cli(
        store["data"], store["path"], "--pipelines=monitoring_visits", params=("month=199001",)
    )
    assert result.returncode != 0
    assert "no department pushed a clue that month (pushes 2021" in result.stdout + result.stderr


@pytest.mark.slow
def test_a_townships_sheet_returned_with_outcomes_is_read_back(visits, parameters, tmp_path):
    """The township fills in its sheet of the list and saves it alone: every row is read, a
    candidate (no code, its ID masked) found by its 核查编号."""
    (path,) = (visits["out"] / "latest" / "workbooks").glob("*_zh.xlsx")
    book = openpyxl.load_workbook(path)
    listed = pd.read_csv(visits["out"] / "latest" / "visits.csv", dtype=str)
    township = listed.loc[listed["candidate"] == "True", "乡镇"].iloc[0]
    sheet = book[township]
    header = [c.value for c in sheet[1]]
    returned = openpyxl.Workbook()
    out = returned.active
    for row in sheet.iter_rows(values_only=True):
        out.append(list(row))
    for candidates in book["新户候选"].iter_rows(min_row=2, values_only=True):
        if candidates[header.index("乡镇")] == township:
            at = header.index("户编号")  # the candidates' sheet has no such column
            out.append([*candidates[:at], None, *candidates[at:]])
    for r in range(2, out.max_row + 1):
        out.cell(r, header.index("核查日期") + 1, f"{visits['latest'] // 100}-12-10")
        out.cell(r, header.index("核查结果") + 1, "不符合")
        out.cell(r, header.index("原因") + 1, "收入稳定")
    folder = tmp_path / "alerts" / "visits"
    folder.mkdir(parents=True)
    returned.save(folder / f"{visits['latest']}_{township}.xlsx")
    raw = RawFilesDataset(str(tmp_path), "alerts/visits/*").load()
    data = visits["out"].parents[1]
    households = pd.read_parquet(data / "03_primary" / "monitoring_households.parquet")
    outcomes, people, _, accounting = nodes_of_cleaning.clean_visits(
        raw,
        households,
        parameters["raw_contract"],
        parameters["code_lists"],
        parameters["cleaning"],
    )
    (counts,) = accounting.to_dict("records")
    assert counts["read"] == out.max_row - 1 == counts["clean"]  # every row, none lost
    assert people["id_number"].isna().all()  # the sheet's IDs are masked: none is read
    keys = pd.read_parquet(data / "05_model_input" / "household_keys.parquet")
    numbers = {
        str(visits["latest"]): lambda: pd.read_parquet(
            data / "07_model_output" / "visit_lists" / f"{visits['latest']}.parquet"
        )
    }
    residents = pd.DataFrame({"source_file": [], "source_row": [], "resident_key": []}).astype(
        {"source_row": "int64"}
    )
    found = keyed_visits(outcomes, keys, residents, numbers)
    assert len(found) == counts["clean"]
    expected = numbers[str(visits["latest"])]()
    here = expected[expected["township"] == township]
    assert sorted(found["household_key"]) == sorted(here["household_key"])
