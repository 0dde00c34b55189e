"""Rules of the 建档立卡 registry shared by the simulator and the pipelines."""

#: Household-level fields of the export: authoritative on the head's row, repeated or left
#: blank on other members' rows.
HOUSEHOLD_FIELDS = (
    "household_size",
    "household_status",
    "exit_year",
    "household_type",
    "main_cause",
    "second_cause",
    "unsafe_housing",
    "safe_water",
    "water_difficulty",
    "income_per_capita",
)

#: 劳动技能 values of members who can work (ordinary or skilled labour).
ABLE_LABOUR = ("普通劳动力", "技能劳动力")

#: Village survey conditions that describe a village's access and e-commerce readiness.
VILLAGE_CONDITIONS = (
    "terrain",
    "elevation_m",
    "county_distance_km",
    "paved_road",
    "broadband",
    "express_point",
    "ecommerce_station",
    "cold_chain",
    "poor_village",
)


def in_safety_net(households):
    """1.0 where the monitoring export's 综合保障 lists 低保 or 特困供养 (cleaned as
    ``guarantee_dibao``/``guarantee_tekun``; an export without the column: 0.0)."""
    held = [c for c in ("guarantee_dibao", "guarantee_tekun") if c in households]
    if not held:
        return households.index.to_series().mul(0.0)
    return households[held].fillna(False).any(axis=1).astype(float)
