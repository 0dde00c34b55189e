"""2021–2025: the monitoring export the simulator writes (contract §9) and the mechanism
behind it (domain-facts-2021-2025.md): identification, measures, risk elimination."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecpa_pipeline.datasets import read_raw_table
from ecpa_pipeline.datasets.raw_files import LINE
from ecpa_pipeline.pipelines.simulation import monitoring, nodes

YEARS = range(2021, 2026)


def read_export(folder, year: int) -> pd.DataFrame:
    """A year's export as the cleaning reads it (CSV or the workbook), cells as text."""
    (path,) = (folder / "monitoring").glob(f"monitoring_{year}.*")
    return read_raw_table(path, path.name).drop_columns([LINE]).to_pandas().fillna("")


def test_monitoring_and_income_files_follow_the_contract(tiny_world, parameters):
    contract = parameters["raw_contract"]["monitoring"]
    codes = parameters["code_lists"]
    missing = set(codes["missing"])  # a member made a second head keeps blank fields
    excel = parameters["simulation"]["monitoring"]["excel_years"]
    for year in YEARS:
        suffix = ".xlsx" if year in excel else ".csv"
        assert (tiny_world / "monitoring" / f"monitoring_{year}{suffix}").is_file()
        frame = read_export(tiny_world, year)
        assert frame.columns.tolist() == list(contract.values())
        assert (tiny_world / "income" / f"income_{year}.csv").is_file()
        head = frame[frame["与户主关系"] == "户主"]
        assert set(head["户类型"]) - missing == {"脱贫户", "普通农户"}
        assert set(head["监测对象类别"]) - missing <= set(codes["monitoring_category"])
        since = head.loc[~head["识别监测时间"].isin(missing), "识别监测时间"]
        # YYYYMM as text; a workbook holds the month's first day as a date.
        pattern = (
            r"20\d{2}-(0[1-9]|1[0-2])-01( 00:00:00)?"
            if year in excel
            else r"20\d{2}(0[1-9]|1[0-2])"
        )
        assert since.str.fullmatch(pattern).all(), since.head()
        # Ordinary households are in the system only once identified; 脱贫户 always.
        ordinary = head[head["户类型"] == "普通农户"]
        assert ordinary["监测对象类别"].isin(codes["monitoring_category"]).mean() > 0.95
        assert (ordinary["脱贫年度"] == "").all() and (ordinary["主要致贫原因"] == "").all()


def test_registered_people_keep_their_identities_after_2020(tiny_world):
    path = tiny_world / "registry" / "registry_2020.csv"
    registry = read_raw_table(path, path.name).drop_columns([LINE]).to_pandas().fillna("")
    followed = read_export(tiny_world, 2021)
    exited = followed[followed["户类型"] == "脱贫户"]
    pairs = set(zip(registry["人编号"], registry["姓名"], strict=True))
    shared = [p in pairs for p in zip(exited["人编号"], exited["姓名"], strict=True)]
    assert np.mean(shared) > 0.97  # the rest: rows with planted defects in either file
    ordinary = followed[followed["户类型"] == "普通农户"]
    assert not set(ordinary["证件号码"].str.lstrip("'")) & set(registry["证件号码"].str.lstrip("'"))


@pytest.fixture(scope="module")
def years(county_state, parameters):
    """The default county's monitoring years (simulated state, no files)."""
    state = county_state
    population, _, years, _ = nodes.simulate_monitoring(
        state["households"],
        state["persons"],
        state["hh_years"],
        state["villages"],
        parameters["poverty_line"],
        parameters["monitoring_line"],
        state["sim"],
    )
    base = state["hh_years"][state["hh_years"]["year"] == 2020]
    registered = base["status"].notna() & (base["status"] != "清退户")
    return {
        "population": population,
        "years": years,
        "income_2020": base["income_per_capita"],
        "registered_income_2020": base.loc[registered, "income_per_capita"],
    }


def test_income_of_exited_households_grows_as_published(years):
    exited = years["years"][years["years"]["status"] == monitoring.EXITED]
    mean = exited.groupby("year")["income_per_capita"].mean()
    growth = mean / mean.shift(1)
    assert mean[2021] / years["income_2020"].mean() == pytest.approx(1.169, abs=0.01)
    assert growth[2022] == pytest.approx(1.143, abs=0.01)


def test_income_per_person_of_the_registered_is_at_the_published_level(years):
    exited = years["years"][years["years"]["status"] == monitoring.EXITED]
    mean = exited.groupby("year")["income_per_capita"].mean()
    # 建档立卡 / 脱贫人口 income per person [C]: 2020 10 740, 2021 12 550, 2022 14 342 yuan.
    assert years["registered_income_2020"].mean() == pytest.approx(10_740, rel=0.05)
    assert mean[2021] == pytest.approx(12_550, rel=0.05)
    assert mean[2022] == pytest.approx(14_342, rel=0.05)


def test_monitored_stock_and_categories_within_published_magnitudes(years):
    frame, population = years["years"], years["population"]
    exited = int((population["household_status"] == monitoring.EXITED).sum())
    end_2021 = frame[(frame["year"] == 2021) & (frame["monitoring_since"] > 0)]
    # Ever identified by end-2021: ≈ 5 % of the exited population nationally, 14 % in 保山.
    assert 0.05 <= len(end_2021) / exited <= 0.14
    mix = end_2021["category"].value_counts(normalize=True)
    assert set(mix.index) == {monitoring.UNSTABLE, monitoring.MARGINAL, monitoring.SUDDEN}
    # 保山 at end-2021 [S]: 31 % 脱贫不稳定, 30 % 边缘易致贫, 40 % 突发严重困难.
    assert mix.between(0.2, 0.5).all(), mix
    new = frame[frame["identified_this_year"] & (frame["year"] == 2021)]
    # 突发严重困难户 the largest group of 2021's new entrants (59 % in 保山).
    assert new["category"].value_counts().idxmax() == monitoring.SUDDEN


def test_share_with_risk_eliminated_within_published_magnitudes(years):
    frame = years["years"]
    shown = frame[frame["monitoring_since"] > 0]
    eliminated = shown.groupby("year")["risk_eliminated"].mean()
    # End-2021: 保山 49.7 % [S], nationally "nearly 70 %" [C]; end-2023 "over 60 %" [C].
    assert 0.45 <= eliminated[2021] <= 0.75
    assert eliminated[2023] >= 0.6
    assert eliminated.is_monotonic_increasing


def test_few_exited_households_stay_below_the_line_unnoticed(years):
    # Everyone below the line is to be identified (应纳尽纳) and the monitored stock is
    # 5–14 % of the exited population: a world where far more 脱贫户 live below the line
    # than are ever monitored contradicts it.
    frame = years["years"]
    exited = frame[(frame["status"] == monitoring.EXITED) & (frame["year"] == 2021)]
    assert (exited["income_per_capita"] < exited["monitoring_line"]).mean() <= 0.14


def test_risk_is_eliminated_only_by_the_rules(years):
    frame = years["years"]
    eliminated = frame[(frame["elimination_mode"] == "帮扶消除") & frame["risk_eliminated"]]
    since = eliminated["monitoring_since"]
    months = (eliminated["eliminated_since"] // 100 * 12 + eliminated["eliminated_since"] % 100) - (
        since // 100 * 12 + since % 100
    )
    assert len(eliminated) and (months >= 6).all()
    assert (eliminated["measures"] != "").all()
    now = eliminated[eliminated["eliminated_since"] // 100 == eliminated["year"]]
    assert (now["income_per_capita"] >= now["monitoring_line"]).all()


def test_identification_is_likely_but_never_certain(years):
    frame = years["years"]
    risk = frame["risk_prob"].dropna()
    assert 0 < risk.min() and risk.max() < 1
    # Households below the line are far more likely to be identified than the others …
    candidates = frame[frame["risk_prob"].notna()]
    by_line = candidates.groupby("below_line")["identified_this_year"].mean()
    assert by_line[True] > 2 * by_line[False]
    # … but many below the line are missed in a year, and shocks bring in others.
    assert by_line[True] < 0.6
