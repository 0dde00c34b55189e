"""Personal data kept in one restricted table: who each person code is.

Names, ID numbers and phones are needed by one step only — the officials' lists, to name and
reach each household's head — so they leave the other tables at cleaning: ``persons`` and
``monitoring_persons`` carry the person code, ``person_identities`` (``03_primary/restricted``)
links it to the name, ID number and phone of each year's export. Retention and purging act on
this table (``ecpa_pipeline.purge``)."""

from __future__ import annotations

import pandas as pd

#: The personal columns of the registry and monitoring exports, as cleaned.
PERSONAL = ["name", "id_number", "phone"]
KEY = ["source", "year", "person_code"]


def split_identities(persons: pd.DataFrame, source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``persons`` without its personal columns, and those columns keyed by source, year and
    person code (with the household, for the lists)."""
    identities = persons[["year", "household_code", "person_code", *PERSONAL]].assign(source=source)
    return persons.drop(columns=PERSONAL), identities[[*KEY, "household_code", *PERSONAL]]


def collect_identities(*tables: pd.DataFrame) -> pd.DataFrame:
    """One restricted table of every source's identities, in key order."""
    return pd.concat(tables, ignore_index=True).sort_values(KEY, ignore_index=True)


def identities_of(identities: pd.DataFrame, source: str, year: int) -> pd.DataFrame:
    """The person code, name, ID number and phone of one source's persons in ``year``."""
    chosen = (identities["source"] == source) & (identities["year"] == year)
    return identities.loc[chosen, ["person_code", *PERSONAL]]
