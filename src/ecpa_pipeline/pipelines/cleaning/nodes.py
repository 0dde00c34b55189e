"""Nodes of the ``cleaning`` pipeline: raw exports → validated primary tables, the row
ledger (quarantine, flags, duplicates), row accounting and the data-quality report."""

from __future__ import annotations

import json

import pandas as pd

from ecpa_pipeline.domain.identities import collect_identities, split_identities
from ecpa_pipeline.domain.masking import mask_json_values
from ecpa_pipeline.errors import ProjectError

from . import alerts, catalogues, households, market, monitoring, orders, registry, report, visits
from .ledger import empty_issues, household_in_detail, year_of
from .schemas import validate


def _spec(cleaning: dict, source: str) -> dict:
    return {
        **cleaning["sources"][source],
        "code_variants": cleaning["code_variants"],
        "value_ranges": cleaning["value_ranges"],
    }


def clean_villages(raw: dict, contract: dict, code_lists: dict, cleaning: dict):
    """Village survey → ``villages``."""
    villages, ledger, acc = catalogues.clean_villages(
        raw, contract["villages"], code_lists, _spec(cleaning, "villages")
    )
    return validate("villages", villages, code_lists, cleaning), ledger, acc


def clean_products(raw: dict, contract: dict, code_lists: dict, cleaning: dict):
    """Product catalogue → ``products``."""
    products, ledger, acc = catalogues.clean_products(
        raw, contract["products"], code_lists, _spec(cleaning, "products")
    )
    return validate("products", products, code_lists, cleaning), ledger, acc


def clean_village_production(
    raw: dict,
    villages: pd.DataFrame,
    products: pd.DataFrame,
    contract: dict,
    code_lists: dict,
    cleaning: dict,
):
    """Village production → ``village_production`` (catalogue product, output in kg)."""
    production, ledger, acc = catalogues.clean_village_production(
        raw,
        contract["village_production"],
        code_lists,
        _spec(cleaning, "village_production"),
        villages,
        products,
    )
    return validate("village_production", production, code_lists, cleaning), ledger, acc


def clean_shops(
    raw: dict, villages: pd.DataFrame, contract: dict, code_lists: dict, cleaning: dict
):
    """Shop register → ``shops``."""
    shops, ledger, acc = catalogues.clean_shops(
        raw, contract["shops"], code_lists, _spec(cleaning, "shops"), villages
    )
    return validate("shops", shops, code_lists, cleaning), ledger, acc


def clean_registry(
    raw: dict, villages: pd.DataFrame, contract: dict, code_lists: dict, cleaning: dict
):
    """建档立卡 export → ``persons`` (no personal data), their identities (name, ID number,
    phone: the restricted table's registry part) and the registry record of every
    household-year."""
    spec = _spec(cleaning, "registry")
    persons, ledger, acc = registry.clean_persons(
        raw, contract["registry"], code_lists, spec, villages
    )
    registry_households, flags = registry.resolve_households(persons, code_lists, spec)
    persons = persons.drop(columns=[c for c in persons if c.startswith("raw_")])
    ledger = pd.concat([ledger, flags], ignore_index=True)
    persons, who = split_identities(validate("persons", persons, code_lists, cleaning), "registry")
    return persons, who, registry_households, ledger, acc


def clean_monitoring(
    raw: dict, villages: pd.DataFrame, contract: dict, code_lists: dict, cleaning: dict
):
    """防返贫监测 export (optional; 2021 onwards) → ``monitoring_persons`` (no personal data),
    their identities and the monitoring record of every household-year, with the counties'
    data checks."""
    spec = {
        **_spec(cleaning, "monitoring"),
        "monitoring_measures": cleaning["monitoring_measures"],
        "social_guarantee": cleaning["social_guarantee"],
    }
    persons, ledger, acc = monitoring.clean_monitoring_persons(
        raw, contract["monitoring"], code_lists, spec, villages
    )
    records, flags = monitoring.monitoring_records(persons, code_lists, spec)
    persons = persons.drop(columns=[c for c in persons if c.startswith("raw_")])
    ledger = pd.concat([ledger, flags], ignore_index=True)
    persons, who = split_identities(
        validate("persons", persons, code_lists, cleaning), "monitoring"
    )
    return persons, who, records, ledger, acc


def clean_income(
    raw: dict,
    registry_households: pd.DataFrame,
    registry_ledger: pd.DataFrame,
    monitoring_records: pd.DataFrame,
    monitoring_ledger: pd.DataFrame,
    contract: dict,
    code_lists: dict,
    cleaning: dict,
):
    """Income survey → ``household_income`` (the registry's households to 2020, the monitoring
    system's from 2021); a household the registry or the monitoring export quarantined for
    the year (no head, two heads …) takes its income record to quarantine with it."""
    spec = {**_spec(cleaning, "income"), "assistance_measures": cleaning["assistance_measures"]}
    held = pd.concat([registry_ledger, monitoring_ledger], ignore_index=True)
    held = held[
        (held["outcome"] == "quarantine")
        & held["code"].isin([*registry.HOUSEHOLD_CHECKS, monitoring.DATE_AFTER_EXPORT])
    ]
    quarantined = pd.DataFrame(
        {
            "file_year": held["source_file"].map(year_of),
            "household_code": household_in_detail(held["detail"]),
        }
    ).drop_duplicates()
    known = monitoring.known_households(registry_households, monitoring_records)
    income, ledger, acc = households.clean_income(
        raw, contract["income"], code_lists, spec, known, quarantined
    )
    return validate("household_income", income, code_lists, cleaning), ledger, acc


def build_households(
    registry_households: pd.DataFrame,
    household_income: pd.DataFrame,
    poverty_line: dict,
    code_lists: dict,
    cleaning: dict,
):
    """Registry record + income → ``households`` (one row per household-year)."""
    table, flags = households.build_households(
        registry_households, household_income, poverty_line, cleaning
    )
    return validate("households", table, code_lists, cleaning), flags


def build_monitoring_households(
    monitoring_records: pd.DataFrame,
    household_income: pd.DataFrame,
    monitoring_line: dict,
    code_lists: dict,
    cleaning: dict,
):
    """Monitoring record + income → ``monitoring_households`` (one row per household-year)."""
    table, flags = monitoring.build_monitoring_households(
        monitoring_records, household_income, monitoring_line, cleaning
    )
    return table, flags


def clean_orders(
    taobao: dict,
    pinduoduo: dict,
    platform_832: dict,
    shops: pd.DataFrame,
    shops_ledger: pd.DataFrame,
    products: pd.DataFrame,
    contract: dict,
    code_lists: dict,
    cleaning: dict,
):
    """Platform exports → ``order_lines`` (one schema across platforms)."""
    held = shops_ledger[shops_ledger["outcome"] == "quarantine"]["raw_values"].map(json.loads)
    quarantined_shops = {r.get(k) for r in held for k in ("shop_id", "shop_name")} - {None, ""}
    lines, ledgers, accs = [], [], []
    for source, raw in (
        ("orders_taobao", taobao),
        ("orders_pinduoduo", pinduoduo),
        ("orders_832", platform_832),
    ):
        table, ledger, acc = orders.clean_orders(
            source,
            raw,
            contract[source],
            _spec(cleaning, source),
            shops,
            products,
            quarantined_shops,
        )
        lines.append(table)
        ledgers.append(ledger)
        accs.append(acc)
    order_lines = pd.concat(lines, ignore_index=True)
    return (
        validate("order_lines", order_lines, code_lists, cleaning),
        pd.concat(ledgers, ignore_index=True),
        pd.concat(accs, ignore_index=True),
    )


def clean_market_index(
    raw: dict, products: pd.DataFrame, contract: dict, code_lists: dict, cleaning: dict
):
    """National market index (optional) → ``market_index``; no rows without the file."""
    table, ledger, acc = market.clean_market_index(
        raw, contract["market_index"], code_lists, _spec(cleaning, "market_index"), products
    )
    return validate("market_index", table, code_lists, cleaning), ledger, acc


def clean_alerts(
    raw: dict,
    villages: pd.DataFrame,
    identities: pd.DataFrame,
    persons: pd.DataFrame,
    monitoring_persons: pd.DataFrame,
    contract: dict,
    code_lists: dict,
    cleaning: dict,
):
    """Department alert pushes (optional) → ``alerts`` (no names or ID numbers) and the
    restricted ``alert_identities``; each clue linked to a person on record when it can be."""
    residents = alerts.residents_of(identities, persons, monitoring_persons)
    table, people, ledger, acc = alerts.clean_alerts(
        raw, contract["alerts"], code_lists, _spec(cleaning, "alerts"), villages, residents
    )
    return validate("alerts", table, code_lists, cleaning), people, ledger, acc


def clean_visits(
    raw: dict,
    monitoring_households: pd.DataFrame,
    contract: dict,
    code_lists: dict,
    cleaning: dict,
):
    """What the townships' visits found (optional) → ``visit_outcomes`` (no names, ID
    numbers or visitors) and the restricted ``visit_identities``."""
    table, people, ledger, acc = visits.clean_visits(
        raw, contract["visits"], code_lists, _spec(cleaning, "visits"), monitoring_households
    )
    return validate("visits", table, code_lists, cleaning), people, ledger, acc


def person_identities(registry: pd.DataFrame, monitoring: pd.DataFrame) -> pd.DataFrame:
    """The restricted table: every person code's name, ID number and phone, by source and
    year (``domain/identities.py``)."""
    return collect_identities(registry, monitoring)


def collect_ledger(cleaning: dict, *ledgers: pd.DataFrame) -> pd.DataFrame:
    """Every quarantined, flagged and duplicate row of every source, in one table.

    Holds the raw values of quarantined rows, their personal values (names, ID numbers,
    phones, buyers, addresses) masked unless ``personal_data.quarantine_values`` is ``kept``:
    a data team finds the row by its file and line.
    """
    frames = [ledger for ledger in ledgers if len(ledger)]
    ledger = pd.concat(frames, ignore_index=True) if frames else empty_issues()
    personal = cleaning["personal_data"]
    if personal["quarantine_values"] == "masked":
        ledger["raw_values"] = mask_json_values(ledger["raw_values"], personal["columns"])
    elif personal["quarantine_values"] != "kept":
        raise ProjectError(
            "cleaning.personal_data.quarantine_values must be masked or kept, not "
            f"{personal['quarantine_values']!r}"
        )
    return ledger


def check_row_accounting(*tables: pd.DataFrame) -> pd.DataFrame:
    """Fail the run unless read = clean + quarantined + duplicates for every source."""
    return report.check_accounting(list(tables))


def report_data_quality(
    villages: pd.DataFrame,
    products: pd.DataFrame,
    production: pd.DataFrame,
    shops: pd.DataFrame,
    persons: pd.DataFrame,
    monitoring_persons: pd.DataFrame,
    household_income: pd.DataFrame,
    order_lines: pd.DataFrame,
    market_index: pd.DataFrame,
    alert_clues: pd.DataFrame,
    ledger: pd.DataFrame,
    accounting: pd.DataFrame,
    skipped: pd.DataFrame,
    true_defects: pd.DataFrame | None,
    cleaning: dict,
):
    """The data-quality report (Markdown + JSON + CSVs), with the raw folder's entries no
    source read (``skipped``: file, reason), and, with the simulation's
    ``_truth/defects.csv`` (None with real data), the defect detection scores."""
    clean_tables = {
        "villages": villages,
        "products": products,
        "village_production": production,
        "shops": shops,
        "registry": persons,
        "monitoring": monitoring_persons,
        "income": household_income,
        **{
            f"orders_{k}": order_lines[order_lines["platform"] == p]
            for k, p in (("taobao", "淘宝"), ("pinduoduo", "拼多多"), ("832", "832平台"))
        },
        "market_index": market_index,
        "alerts": alert_clues,
    }
    summary, by_reason = report.data_quality_tables(clean_tables, ledger, villages)
    scores = report.score_defect_detection(
        ledger,
        pd.concat([persons, monitoring_persons], ignore_index=True),
        true_defects,
        cleaning["defect_detection"],
    )
    markdown = report.markdown_report(
        summary,
        by_reason,
        accounting,
        scores,
        cleaning["reason_codes"],
        skipped,
        cleaning["skip_reasons"],
    )
    return (
        summary,
        by_reason,
        scores,
        markdown,
        report.json_report(summary, by_reason, accounting, scores, skipped),
    )
