"""pandera schemas of the primary tables: the promises the cleaning pipeline makes to
everything downstream (types, keys, code lists, ranges). Validated at the end of cleaning;
a violation fails the run with per-column errors."""

from __future__ import annotations

import functools
import json

import pandas as pd
import pandera.backends.pandas.builtin_checks  # noqa: F401 - see below
import pandera.pandas as pa

from ecpa_pipeline.errors import ProjectError

from .ledger import FILE, ROW

# pandera imports its check backends (and with them hypothesis, ~0.5 s) on the first
# validation; importing them here keeps that with the other imports, not in the run.

VILLAGE_CODE = pa.Check.str_matches(r"^\d{12}$")


def _text(*checks: pa.Check, nullable: bool = False) -> pa.Column:
    return pa.Column("str", list(checks), nullable=nullable)


def _codes(values: list[str], nullable: bool = True) -> pa.Column:
    return pa.Column("str", pa.Check.isin(values), nullable=nullable)


def _number(*checks: pa.Check, nullable: bool = True) -> pa.Column:
    return pa.Column(float, list(checks), nullable=nullable)


def _datetime(nullable: bool = True) -> pa.Column:
    return pa.Column(
        checks=pa.Check(pd.api.types.is_datetime64_any_dtype, element_wise=False),
        nullable=nullable,
    )


_LINEAGE = {FILE: _text(), ROW: pa.Column("int64", pa.Check.ge(2))}


def _range_check(low: float | None, high: float | None) -> pa.Check | None:
    if low is not None and high is not None:
        return pa.Check.in_range(low, high)
    if low is not None:
        return pa.Check.ge(low)
    return pa.Check.le(high) if high is not None else None


def _with_ranges(schema: pa.DataFrameSchema, ranges: dict) -> pa.DataFrameSchema:
    """``schema`` checking every configured value range (``cleaning.value_ranges``) on the
    columns it has or may have: the same ranges the cleaning quarantines by."""
    for column, (low, high) in ranges.items():
        check = _range_check(low, high)
        if check is None:
            continue
        if column in schema.columns:
            schema = schema.update_column(column, checks=[check])
        else:
            optional = pa.Column(checks=check, nullable=True, required=False)
            schema = schema.add_columns({column: optional})
    return schema


def primary_schemas(code_lists: dict, ranges: dict) -> dict[str, pa.DataFrameSchema]:
    """One schema per primary table, built on the configured code lists and value ranges."""
    schemas = _schemas_by_table(code_lists)
    return {name: _with_ranges(schema, ranges) for name, schema in schemas.items()}


def _schemas_by_table(code_lists: dict) -> dict[str, pa.DataFrameSchema]:
    c = code_lists
    return {
        "villages": pa.DataFrameSchema(
            {
                "village_code": _text(VILLAGE_CODE),
                "county_code": _text(pa.Check.str_matches(r"^\d{6}$")),
                "poor_village": pa.Column("boolean", nullable=True),
                "terrain": _codes(c["terrain"]),
                "elevation_m": _number(),
                **_LINEAGE,
            },
            unique=["village_code"],
        ),
        "products": pa.DataFrameSchema(
            {
                "product_code": _text(),
                "product_name": _text(),
                "category": _codes(c["category"]),
                "perishability": _codes(c["perishability"]),
                "farm_gate_price_per_jin": _number(),
                **_LINEAGE,
            },
            unique=["product_code"],
        ),
        "village_production": pa.DataFrameSchema(
            {
                "village_code": _text(VILLAGE_CODE),
                "year": pa.Column("int64", pa.Check.in_range(2000, 2100)),
                "product_code": _text(),
                "area_mu": _number(),
                "output_kg": _number(),
                "certification": _codes(c["certification"]),
                **_LINEAGE,
            }
        ),
        "market_index": pa.DataFrameSchema(
            {
                "year": pa.Column("int64", pa.Check.in_range(2000, 2100)),
                "product_code": _text(nullable=True),
                "category": _codes(c["category"], nullable=False),
                "online_retail_yuan": _number(),
                "yoy_growth": _number(),
                **_LINEAGE,
            }
        ),
        "alerts": pa.DataFrameSchema(
            {
                "push_month": pa.Column("int64", pa.Check.in_range(190001, 210012)),
                "department": _codes(c["alert_department"], nullable=False),
                "alert_type": _codes(c["alert_type"], nullable=False),
                "event_date": _datetime(nullable=False),
                "amount": _number(pa.Check.ge(0)),
                "village_code": _text(VILLAGE_CODE),
                "household_code": _text(nullable=True),
                "person_code": _text(nullable=True),
                "linked_by": _codes(["id_number", "name_and_village", ""], nullable=False),
                "candidate": pa.Column(bool),
                "episode": pa.Column("int64", pa.Check.ge(0)),
                "push_number": pa.Column("int64", pa.Check.ge(1)),
                **_LINEAGE,
            }
        ),
        "visits": pa.DataFrameSchema(
            {
                "list_month": pa.Column("int64", pa.Check.in_range(190001, 210012)),
                "township": _text(),
                "household_code": _text(nullable=True),
                "visit_id": _text(nullable=True),
                "visit_date": _datetime(nullable=False),
                "outcome": _codes(c["visit_outcome"], nullable=False),
                "reason": _text(nullable=True),
                **_LINEAGE,
            }
        ),
        "shops": pa.DataFrameSchema(
            {
                "shop_id": _text(),
                "platform": _codes(c["platform"], nullable=False),
                "village_code": _text(VILLAGE_CODE),
                "operator": _codes(c["operator"]),
                "opened": _datetime(),
                **_LINEAGE,
            },
            unique=["shop_id"],
        ),
        "persons": pa.DataFrameSchema(
            {
                "year": pa.Column("int64", pa.Check.in_range(2000, 2100)),
                "household_code": _text(),
                "person_code": _text(),
                "relation": _codes(c["relation"]),
                "sex": _codes(c["sex"]),
                "school_status": _codes(c["school_status"]),
                "labour_skill": _codes(c["labour_skill"]),
                "migrant_months": _number(),
                "id_valid": pa.Column(bool),
                **_LINEAGE,
            },
            unique=["year", "person_code"],
        ),
        "households": pa.DataFrameSchema(
            {
                "year": pa.Column("int64"),
                "household_code": _text(),
                "household_status": _codes(c["household_status"]),
                "household_type": _codes(c["household_type"]),
                "main_cause": _codes(c["cause"]),
                "member_count": pa.Column("int64", pa.Check.ge(1)),
                "poverty_line": _number(pa.Check.gt(0), nullable=False),
                "guarantees_met": pa.Column(bool),
                "status_change": _codes(
                    ["new", "exit", "return", "removed", "unchanged"], nullable=False
                ),
                **_LINEAGE,
            },
            unique=["year", "household_code"],
        ),
        "household_income": pa.DataFrameSchema(
            {
                "year": pa.Column("int64"),
                "household_code": _text(),
                "wage_income": _number(),
                "transfer_income": _number(),
                "ecommerce_mode": _codes(c["ecommerce_mode"]),
                **_LINEAGE,
            },
            unique=["year", "household_code"],
        ),
        "order_lines": pa.DataFrameSchema(
            {
                "platform": _codes(c["platform"], nullable=False),
                "order_id": _text(),
                "shop_id": _text(),
                "village_code": _text(VILLAGE_CODE),
                "product_code": _text(),
                "order_time": _datetime(nullable=False),
                "quantity_kg": _number(pa.Check.gt(0), nullable=False),
                "amount_yuan": _number(nullable=False),
                "status": _codes(
                    ["completed", "pending", "refunded", "refunding", "closed"], nullable=False
                ),
                "is_revenue": pa.Column(bool),
                **_LINEAGE,
            }
        ),
    }


def validate(name: str, frame: pd.DataFrame, code_lists: dict, cleaning: dict) -> pd.DataFrame:
    """Validate a primary table (all errors at once) and return it.

    Raises:
        ProjectError: naming the table, and each failed check with its column and number of
            rows, never the values (they may be ID numbers or person codes). The cleaning
            quarantines every row a check could fail on, so this is the guard behind it.
    """
    config = {"code_lists": code_lists, "ranges": cleaning["value_ranges"]}
    schemas = _schemas(json.dumps(config, sort_keys=True, ensure_ascii=False))
    try:
        return schemas[name].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        counts = cases.groupby(["column", "check"], dropna=False).size()
        found = "; ".join(f"{column}: {check} ({n} rows)" for (column, check), n in counts.items())
        raise ProjectError(
            f"the cleaned {name} table breaks its schema — {found}: a row the cleaning should "
            "have quarantined got through; please report it with the quality report"
        ) from None


@functools.cache  # the schemas are built once for all primary tables, not once per table
def _schemas(config: str) -> dict[str, pa.DataFrameSchema]:
    parsed = json.loads(config)
    return primary_schemas(parsed["code_lists"], parsed["ranges"])
