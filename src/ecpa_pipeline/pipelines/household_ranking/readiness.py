"""Village and county readiness for exit: households, expected exits, incidence now and
projected, against the 2 % (west: 3 %) threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: What an area summary adds up over its households.
_AREA_SUMS = [
    "households",
    "persons",
    "expected_exits",
    "remaining_persons",
    "high_risk",
    "meets_exit_criteria",
    "marginal",
]


def _area_sums(measured: pd.DataFrame, by: str) -> pd.DataFrame:
    size = measured["household_size"]
    p = measured["exit_probability"]
    work = pd.DataFrame(
        {
            by: measured[by],
            "households": 1,
            "persons": size,
            "expected_exits": p,
            "remaining_persons": (1 - p) * size,
            "high_risk": measured["risk_band"] == "high",
            "meets_exit_criteria": measured["meets_exit_criteria"],
            "marginal": measured["marginal"],
        }
    )
    return work.groupby(by).sum().reset_index()


def _readiness(areas: pd.DataFrame, params: dict) -> pd.DataFrame:
    """Incidence now and projected after next year's expected exits (registered poor persons
    less each household's size × its exit likelihood), against the area's threshold, and a
    status: ready, near, not_ready (unknown: no population)."""
    out = areas.copy()
    out[_AREA_SUMS] = out[_AREA_SUMS].fillna(0)
    counts = ["households", "persons", "high_risk", "meets_exit_criteria", "marginal"]
    out[counts] = out[counts].round().astype("int64")
    population = out["population"].where(out["population"] > 0)
    out["current_incidence"] = out["persons"] / population
    out["projected_incidence"] = out["remaining_persons"] / population
    thresholds = params["incidence_threshold"]
    out["incidence_threshold"] = (
        out["region"].map(thresholds).fillna(thresholds["default"]).astype(float)
    )
    out["readiness"] = np.select(
        [
            population.isna(),
            out["projected_incidence"] < out["incidence_threshold"],
            out["projected_incidence"] < out["incidence_threshold"] * params["near_factor"],
        ],
        ["unknown", "ready", "near"],
        "not_ready",
    )
    return out


def area_readiness(
    measured: pd.DataFrame, villages: pd.DataFrame, params: dict
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Village and county summaries: registered poor households and persons, expected exits
    next year, current and projected incidence against the 2 % (3 % west) threshold, and
    readiness. Villages without a registered poor household count, and are ready."""
    place = villages[
        ["county_code", "county", "township", "village_code", "village", "region", "population"]
    ]
    village = _readiness(place.merge(_area_sums(measured, "village_code"), how="left"), params)
    county = (
        place.groupby(["county_code", "county", "region"])
        .agg(population=("population", "sum"), villages=("village_code", "size"))
        .reset_index()
    )
    county = _readiness(county.merge(_area_sums(measured, "county_code"), how="left"), params)
    ready = (village["readiness"] == "ready").groupby(village["county_code"]).sum()
    county["villages_ready"] = county["county_code"].map(ready).astype("int64")
    return village.sort_values(["county_code", "village_code"]).reset_index(drop=True), county


#: The areas above a county: the first digits of its 6-digit administrative code.
_REGIONS = {"prefecture": 4, "province": 2}


def regional_readiness(counties: pd.DataFrame, params: dict) -> pd.DataFrame:
    """The province's summary over its counties' readiness tables (each from the county's own
    household lists): every county as it reported, then each prefecture and the province —
    populations, villages, households, persons and expected exits summed, incidence and
    readiness recomputed against the threshold of their region."""
    sums = ["population", "villages", "villages_ready", *_AREA_SUMS]
    counties = counties.assign(county_code=counties["county_code"].astype("str"))
    levels = [counties.assign(level="county", area_code=counties["county_code"])]
    for level, digits in _REGIONS.items():
        code = counties["county_code"].str[:digits].rename("area_code")
        areas = counties.groupby(code).agg(
            {**dict.fromkeys(sums, "sum"), "region": "first", "county": "size"}
        )
        areas = _readiness(areas.rename(columns={"county": "counties"}).reset_index(), params)
        levels.append(areas.assign(level=level))
    out = pd.concat(levels, ignore_index=True)
    out["counties"] = out["counties"].fillna(1).astype("int64")
    first = ["level", "area_code", "county", "region", "counties"]
    return out[first + [c for c in out.columns if c not in first and c != "county_code"]]
