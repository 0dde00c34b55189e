"""Nodes of the ``simulation`` pipeline: a seeded, vectorised simulated county world.

The first nodes build the world's state (villages, products, shops, orders, households,
people, yearly fortunes); the ``export_*`` nodes write it as the raw files of the data
contract, with real-world defects, and the ``truth_*`` outputs keep what only a simulation
knows (``data/01_raw/_truth``), for evaluation only.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from . import (
    alerts,
    dynamics,
    ecommerce,
    households,
    identities,
    market,
    measures,
    monitoring,
    world,
)
from .defects import finalise
from .exports import alerts as alert_exports
from .exports import catalogues as catalogue_exports
from .exports import income as income_exports
from .exports import monitoring as monitoring_exports
from .exports import orders as order_exports
from .exports import registry as registry_exports
from .random import stream

logger = logging.getLogger(__name__)


def county_parameters(sim: dict, raw_folder: str | None = None) -> dict:
    """The parameters of the world this run simulates, once ``raw_folder`` (the path
    ``SimulationTargetDataset`` gives when the folder may be written) is known. With
    ``county_number`` k > 1 (and a one-county ``scale``), the k-th county of the
    ``county_layout`` world: its codes in that layout, every county-level draw from its own
    seed (``county_seed``), what is national (the market index) from ``seed`` as in every
    county. k = 1 is the world of ``seed`` itself, the default county. One run per county
    makes a province in one county's memory.

    Raises:
        ValueError: ``county_number`` outside the layout, or with a scale of several counties.
    """
    del raw_folder  # an input only so that nothing is simulated before the folder is checked
    k = int(sim.get("county_number", 1))
    layout = sim["scales"][sim.get("county_layout", "province")]
    n_layout = layout["prefectures"] * layout["counties_per_prefecture"]
    scale = sim["scales"][sim["scale"]]
    if not 1 <= k <= n_layout:
        raise ValueError(
            f"simulation.county_number {k}: the {sim.get('county_layout', 'province')} layout "
            f"has counties 1–{n_layout}"
        )
    if k > 1 and scale["prefectures"] * scale["counties_per_prefecture"] != 1:
        raise ValueError(
            f"simulation.county_number {k} needs a one-county scale, not {sim['scale']!r}"
        )
    return sim | {
        "county_number": k,
        "world_seed": sim["seed"],
        "seed": county_seed(sim["seed"], k),
    }


def county_seed(seed: int, k: int) -> int:
    """The seed of the world's k-th county: the world's own for the first."""
    return int(seed) if k == 1 else int(np.random.SeedSequence([int(seed), k]).generate_state(1)[0])


def simulate_villages(sim: dict) -> pd.DataFrame:
    """Geography and village conditions (see ``world.build_villages``)."""
    villages = world.build_villages(sim)
    logger.info(
        "Simulated %d villages in %d counties", len(villages), villages["county_code"].nunique()
    )
    return villages


def simulate_products(catalogue: list[dict]) -> pd.DataFrame:
    """The characteristic-product catalogue from parameters."""
    return world.build_products(catalogue)


def simulate_production(
    villages: pd.DataFrame, products: pd.DataFrame, sim: dict
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Village production by year and the true sales potential of every village × product."""
    return world.simulate_production(villages, products, sim)


def simulate_sales(
    potential: pd.DataFrame, villages: pd.DataFrame, products: pd.DataFrame, sim: dict
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Shops, their order lines and the realised online revenue of every village and year."""
    shops = ecommerce.simulate_shops(potential, villages, sim)
    orders = ecommerce.simulate_orders(shops, potential, products, sim)
    shop_revenue = ecommerce.shop_year_revenue(shops, potential, products, sim)
    revenue = ecommerce.village_online_revenue(orders, shops, shop_revenue, sim)
    logger.info("Simulated %d shops and %d order lines", len(shops), len(orders))
    return shops, orders, revenue


def simulate_households(
    villages: pd.DataFrame,
    shops: pd.DataFrame,
    village_revenue: pd.DataFrame,
    poverty_line: dict,
    sim: dict,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Households, members and their yearly fortunes; shops get their owners.

    Returns:
        households, persons, household_years, person_years, shops (with owners and
        poor households linked).
    """
    hh = households.build_households(villages, sim)
    shops = ecommerce.assign_shop_owners(shops, hh, sim)
    owner = shops["owner_idx"].to_numpy()
    owner_from = np.full(len(hh), 9999)
    np.minimum.at(owner_from, owner[owner >= 0], shops["opened"].dt.year.to_numpy()[owner >= 0])
    hh = hh.assign(shop_owner_from=owner_from)
    persons = households.build_persons(hh, sim)
    line = {int(k): v for k, v in poverty_line.items()}
    hh_years, person_years = dynamics.simulate_household_years(
        hh, persons, villages, village_revenue, line, sim
    )
    shops = shops.assign(poor_households_linked=ecommerce.linked_households(shops, hh_years, hh))
    logger.info(
        "Simulated %d households, %d persons, %d household-years",
        len(hh),
        len(persons),
        len(hh_years),
    )
    return hh, persons, hh_years, person_years, shops


def simulate_monitoring(
    households_: pd.DataFrame,
    persons: pd.DataFrame,
    household_years: pd.DataFrame,
    villages: pd.DataFrame,
    poverty_line: dict,
    monitoring_line: dict,
    sim: dict,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """2021–2025 under the monitoring mechanism (see ``monitoring``).

    Returns:
        the monitoring population's households and persons, their household-years (those in
        the monitoring system's export) and person-years.
    """
    population, people = monitoring.monitoring_population(
        households_, persons, household_years, villages, sim
    )
    lines = {int(k): float(v) for k, v in monitoring_line.items()}
    last_line = float({int(k): v for k, v in poverty_line.items()}[max(sim["years"])])
    years, person_years = monitoring.simulate_monitoring_years(
        population, people, villages, lines, last_line, sim
    )
    logger.info(
        "Simulated %d monitoring household-years (%d ordinary households)",
        len(years),
        int((population["household_status"] == monitoring.ORDINARY).sum()),
    )
    return population, people, years, person_years


def _monitoring_identities(
    population: pd.DataFrame,
    people: pd.DataFrame,
    households_: pd.DataFrame,
    persons: pd.DataFrame,
    villages: pd.DataFrame,
    sim: dict,
) -> pd.DataFrame:
    """Name, ID number and phone of every person of the monitoring population (``people``
    order): the registered keep theirs, ordinary people get new ones."""
    registered = identities.build_identities(persons, households_, villages, sim)
    ordinary = people["registered_person_idx"].to_numpy() < 0
    new = identities.build_identities(
        people[ordinary],
        population,
        villages,
        sim,
        name="ordinary_identities",
        taken=registered["id_number"].to_numpy(),
    )
    return pd.concat(
        [registered.iloc[people.loc[~ordinary, "registered_person_idx"].to_numpy()], new],
        ignore_index=True,
    )


def export_alerts(
    population: pd.DataFrame,
    people: pd.DataFrame,
    monitoring_years: pd.DataFrame,
    monitoring_person_years: pd.DataFrame,
    households_: pd.DataFrame,
    persons: pd.DataFrame,
    villages: pd.DataFrame,
    contract: dict,
    sim: dict,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame]:
    """``alerts/<YYYYMM>_<部门>.csv``: the departments' monthly pushes of 2021–2025 with §10's
    defects, and the truth of every shock (its month, the departments that saw it, its first
    push, the household it struck)."""
    rng = stream(sim["seed"], "alerts")
    events, pushes = alerts.alert_events(
        monitoring_years, people, monitoring_person_years, sim, rng
    )
    people_ids = _monitoring_identities(population, people, households_, persons, villages, sim)
    rows = alert_exports.alert_rows(pushes, people_ids, population, villages, sim["defects"], rng)
    files, truth = {}, []
    for name, frame in alert_exports.alert_files(
        rows, sim["monitoring"]["years"], sim["defects"], rng
    ).items():
        department = name.split("_")[-1].removesuffix(".csv")
        written = alert_exports.with_chinese_headers(frame, department, contract["alerts"])
        files[name], defects = finalise(written, "alerts", f"alerts/{name}")
        truth.append(defects)
    codes = population["household_code"].to_numpy()
    events = events.assign(
        household_code=codes[events["household_idx"].to_numpy()],
        id_number=people_ids["id_number"].to_numpy()[events["person_row"].to_numpy()],
    )
    logger.info(
        "Department alerts: %d pushes in %d files; %d of %d shocks seen by a department",
        len(rows),
        len(files),
        int((events["departments"] != "").sum()),
        len(events),
    )
    return files, pd.concat(truth, ignore_index=True), events[ALERT_TRUTH_COLUMNS]


ALERT_TRUTH_COLUMNS = [
    "household_code", "year", "shock", "event_month", "event_day", "id_number", "amount",
    "departments", "first_push", "identified_this_year", "in_system", "found_month",
]  # fmt: skip


def export_monitoring(
    population: pd.DataFrame,
    people: pd.DataFrame,
    monitoring_years: pd.DataFrame,
    monitoring_person_years: pd.DataFrame,
    households_: pd.DataFrame,
    persons: pd.DataFrame,
    villages: pd.DataFrame,
    contract: dict,
    sim: dict,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """``monitoring/monitoring_<YYYY>.csv`` (``.xlsx`` for ``monitoring.excel_years``): the
    防返贫监测 export of every year, with the
    registry's defects and the counties' data-check defects. The registered people keep
    their names and ID numbers; ordinary people get new ones."""
    rng = stream(sim["seed"], "export_monitoring")
    people_ids = _monitoring_identities(population, people, households_, persons, villages, sim)
    files, truth = {}, []
    listed = monitoring_years[monitoring_years["in_system"]]
    listed_persons = monitoring_person_years[monitoring_person_years["in_system"]]
    for year in sim["monitoring"]["years"]:
        frame = monitoring_exports.monitoring_file(
            year,
            listed[listed["year"] == year],
            listed_persons[listed_persons["year"] == year],
            population,
            people,
            people_ids,
            villages,
            contract,
            sim["defects"],
            rng,
        )
        # Some years come as the workbook the national system downloads, with typed cells.
        if year in sim["monitoring"]["excel_years"]:
            name = f"monitoring_{year}.xlsx"
            frame = monitoring_exports.as_workbook_cells(frame, contract["monitoring"])
        else:
            name = f"monitoring_{year}.csv"
        files[name], defects = finalise(frame, "monitoring", f"monitoring/{name}")
        truth.append(defects)
    return files, pd.concat(truth, ignore_index=True)


def export_registry(
    households_: pd.DataFrame,
    persons: pd.DataFrame,
    household_years: pd.DataFrame,
    person_years: pd.DataFrame,
    villages: pd.DataFrame,
    contract: dict,
    sim: dict,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """``registry/registry_<YYYY>.csv``: the 建档立卡 export of every year, with defects."""
    rng = stream(sim["seed"], "export_registry")
    same_id_rng = stream(sim["seed"], "export_registry_same_id")
    people = identities.build_identities(persons, households_, villages, sim)
    files, truth = {}, []
    for year in sim["years"]:
        frame = registry_exports.registry_file(
            year,
            household_years[household_years["year"] == year],
            person_years[person_years["year"] == year],
            households_,
            persons,
            people,
            villages,
            contract,
            sim["defects"],
            rng,
            same_id_rng,
        )
        name = f"registry_{year}"
        files[name], defects = finalise(frame, "registry", f"registry/{name}.csv")
        truth.append(defects)
    return files, pd.concat(truth, ignore_index=True)


def export_income(
    households_: pd.DataFrame,
    household_years: pd.DataFrame,
    population: pd.DataFrame,
    monitoring_years: pd.DataFrame,
    contract: dict,
    sim: dict,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """``income/income_<YYYY>.csv``: household income and living conditions, with defects —
    of the registry's households to 2020, of the monitoring system's from 2021."""
    rng = stream(sim["seed"], "export_income")
    files, truth = {}, []
    in_system = monitoring_years[monitoring_years["in_system"]]
    periods = [(year, household_years, households_) for year in sim["years"]] + [
        (year, in_system, population) for year in sim["monitoring"]["years"]
    ]
    for year, years, listed in periods:
        frame = income_exports.income_file(
            year,
            years[years["year"] == year],
            listed,
            contract,
            sim["defects"],
            rng,
        )
        name = f"income_{year}"
        files[name], defects = finalise(frame, "income", f"income/{name}.csv")
        truth.append(defects)
    return files, pd.concat(truth, ignore_index=True)


def export_catalogues(
    villages: pd.DataFrame,
    products: pd.DataFrame,
    production: pd.DataFrame,
    shops: pd.DataFrame,
    households_: pd.DataFrame,
    contract: dict,
    sim: dict,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``villages.csv``, ``products.csv``, ``village_production.csv`` and ``shops.csv``."""
    rng = stream(sim["seed"], "export_catalogues")
    registered = households_[~households_["missed"]].groupby("village_code").size()
    village_file = catalogue_exports.villages_file(villages, registered, contract, rng)
    product_file = catalogue_exports.products_file(products, contract)
    production_file, production_truth = finalise(
        catalogue_exports.production_file(production, products, contract, sim["defects"], rng),
        "village_production",
        "village_production.csv",
    )
    shop_file, shop_truth = finalise(
        catalogue_exports.shops_file(shops, contract, sim["defects"], rng), "shops", "shops.csv"
    )
    return (
        village_file,
        product_file,
        production_file,
        shop_file,
        pd.concat([production_truth, shop_truth], ignore_index=True),
    )


def export_orders(
    orders: pd.DataFrame,
    shops: pd.DataFrame,
    products: pd.DataFrame,
    villages: pd.DataFrame,
    contract: dict,
    sim: dict,
) -> tuple[dict, dict, dict, pd.DataFrame]:
    """``orders/taobao/*.csv``, ``orders/pinduoduo/<shop_id>.csv`` and ``orders/832/*.xlsx``."""
    rng = stream(sim["seed"], "export_orders")
    rates = sim["defects"]
    out, truth = [], []
    by_platform = {
        p: orders[orders["platform"] == p].reset_index(drop=True)
        for p in ecommerce.PLATFORMS_WITH_EXPORTS
    }
    for folder, suffix, files in (
        (
            "taobao",
            ".csv",
            order_exports.taobao_files(by_platform["淘宝"], shops, products, contract, rates, rng),
        ),
        (
            "pinduoduo",
            ".csv",
            order_exports.pinduoduo_files(by_platform["拼多多"], products, contract, rates, rng),
        ),
        (
            "832",
            ".xlsx",
            order_exports.platform832_files(
                by_platform["832平台"], shops, products, villages, contract, rates, rng
            ),
        ),
    ):
        finished = {}
        for name, frame in files.items():
            finished[name], defects = finalise(
                frame, f"orders_{folder}", f"orders/{folder}/{name}{suffix}"
            )
            truth.append(defects)
        out.append(finished)
    return out[0], out[1], out[2], pd.concat(truth, ignore_index=True)


def export_market(
    products: pd.DataFrame, contract: dict, sim: dict
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``market/market_index.csv`` (national online demand as published, optional in real
    use) and the true national demand behind it (``_truth/product_demand.parquet``)."""
    rng = stream(sim.get("world_seed", sim["seed"]), "export_market")  # national: one for all
    demand = market.true_demand(products, sim)
    frame, defects = finalise(
        market.market_index_file(demand, products, contract, sim, rng),
        "market_index",
        "market/market_index.csv",
    )
    return frame, defects, demand


def collect_monitoring_truth(
    population: pd.DataFrame, monitoring_years: pd.DataFrame
) -> pd.DataFrame:
    """Each monitoring household-year's truth — also of ordinary households the system never
    listed (``in_system``): ``risk_prob`` is the chance that a household not monitored at the
    start of ``year`` is identified during it; shocks, rigid spending and whether the income
    was below the line — for evaluation only."""
    static = population[["household_code", "village_code", "household_status"]]
    years = monitoring_years.drop(
        columns=[
            "wage_income",
            "business_income",
            "business_cost",
            "property_income",
            "transfer_income",
            "status",
        ]
    )
    return (
        static.iloc[years["household_idx"].to_numpy()]
        .reset_index(drop=True)
        .join(years.drop(columns="household_idx").reset_index(drop=True))
    )


def collect_truth(
    households_: pd.DataFrame,
    household_years: pd.DataFrame,
    potential: pd.DataFrame,
    *defect_tables: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """What only the simulation knows, for evaluation nodes (never for training or scoring).

    Returns:
        household_years truth (exit_prob is the probability that a household poor at the start
        of ``year`` exits during it), village × product potential, every injected defect, and
        the development measures' causal truth (``measures.truth_table``).
    """
    static = households_[
        [
            "household_code",
            "village_code",
            "missed",
            "wrongly_registered",
            "registered_year",
            "removal_year",
        ]
    ]
    measure_truth = measures.truth_table(households_, household_years)
    truth_hy = household_years.drop(
        columns=[
            "wage_income",
            "business_income",
            "business_cost",
            "property_income",
            "transfer_income",
            *measures.RECORD_COLUMNS,
        ]
    )
    truth_hy = (
        static.iloc[truth_hy["household_idx"].to_numpy()]
        .reset_index(drop=True)
        .join(truth_hy.drop(columns="household_idx").reset_index(drop=True))
    )
    defects = pd.concat(defect_tables, ignore_index=True)
    logger.info("Injected %d defects: %s", len(defects), defects["defect"].value_counts().to_dict())
    return truth_hy, potential.drop(columns="base_area_mu"), defects, measure_truth
