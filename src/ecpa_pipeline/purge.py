"""``make purge-personal-data``: remove the personal data of years past the retention period.

What the pipelines keep of people (README "Personal data"): the restricted tables
``03_primary/restricted/person_identities.parquet`` (names, ID numbers, phones by source, year
and person code) and ``alert_identities.parquet`` (the names and ID numbers of department
alerts, by push year), and the quarantine's raw values (``02_intermediate/row_issues.parquet``,
masked by default). This command removes the table's rows of every year before
``current year − cleaning.personal_data.retention_years`` and empties the raw values of
quarantined rows from export files of those years; each file is rewritten in place and its
stamp in ``_manifest.json`` follows (the run that made it stays its run, so later steps keep
accepting it). The raw exports in ``01_raw`` are the source systems' files: the command lists
those of purged years and leaves them to the data team.

    python -m ecpa_pipeline.purge --data-dir data [--retention-years N] [--today YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import datetime
import os
from pathlib import Path

import click
import pandas as pd
from kedro.config import OmegaConfigLoader

from ecpa_pipeline.manifest import file_digest, read_manifest, relative, write_manifest
from ecpa_pipeline.pipelines.cleaning.ledger import years_of
from ecpa_pipeline.settings import CONFIG_LOADER_ARGS, PROJECT_ROOT

IDENTITIES = Path("03_primary/restricted/person_identities.parquet")
#: The restricted tables of people by year: the registry's and monitoring export's persons,
#: the names and ID numbers department alerts gave, and those of the visits' outcomes.
RESTRICTED = (
    IDENTITIES,
    Path("03_primary/restricted/alert_identities.parquet"),
    Path("03_primary/restricted/visit_identities.parquet"),
)
QUARANTINE = Path("02_intermediate/row_issues.parquet")


def retention_years(env: str = "local") -> int:
    """``cleaning.personal_data.retention_years`` as ``kedro run`` would read it."""
    loader = OmegaConfigLoader(str(PROJECT_ROOT / "conf"), env=env, **CONFIG_LOADER_ARGS)
    return int(loader["parameters"]["cleaning"]["personal_data"]["retention_years"])


def _rewrite(data_dir: Path, path: Path, table: pd.DataFrame) -> None:
    """Write ``table`` over ``path`` (beside it, then renamed) and re-stamp its digest."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    table.to_parquet(partial, index=False)
    os.replace(partial, path)
    key = relative(path, data_dir)
    entry = read_manifest(data_dir).get(key)
    if entry is not None:
        entry |= {"digest": file_digest(path), "purged": datetime.date.today().isoformat()}
        write_manifest(data_dir, {key: entry})


def purge(data_dir: Path, retention: int, today: datetime.date) -> dict:
    """Remove what is older than ``retention`` years before ``today``'s year; returns what
    was removed and which raw export files are of purged years."""
    first_kept = today.year - retention
    done = {"first_year_kept": first_kept, "identities_removed": 0, "raw_values_emptied": 0}
    for restricted in RESTRICTED:
        path = data_dir / restricted
        if path.is_file():
            table = pd.read_parquet(path)
            old = table["year"] < first_kept
            if old.any():
                _rewrite(data_dir, path, table[~old].reset_index(drop=True))
            done["identities_removed"] += int(old.sum())
    quarantine = data_dir / QUARANTINE
    if quarantine.is_file():
        ledger = pd.read_parquet(quarantine)
        old = (years_of(ledger["source_file"]) < first_kept) & ledger["raw_values"].fillna("").ne(
            ""
        )
        if old.any():
            ledger.loc[old, "raw_values"] = ""
            _rewrite(data_dir, quarantine, ledger)
        done["raw_values_emptied"] = int(old.sum())
    raw = data_dir / "01_raw"
    exports = sorted(p for p in raw.rglob("*") if p.is_file() and "_truth" not in p.parts)
    years = years_of(pd.Series([p.name for p in exports], dtype="str"))
    done["raw_exports_of_purged_years"] = [
        relative(p, raw) for p, old in zip(exports, years < first_kept, strict=True) if old
    ]
    return done


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--retention-years", type=int, help="default: the configuration's")
    parser.add_argument("--today", type=datetime.date.fromisoformat, default=datetime.date.today())
    args = parser.parse_args(argv)
    retention = args.retention_years if args.retention_years is not None else retention_years()
    done = purge(args.data_dir, retention, args.today)
    click.echo(
        f"Kept personal data of {done['first_year_kept']} onwards ({retention} years): removed "
        f"{done['identities_removed']:,} rows of {', '.join(map(str, RESTRICTED))} and emptied "
        "the raw values of "
        f"{done['raw_values_emptied']:,} quarantined rows."
    )
    old = done["raw_exports_of_purged_years"]
    if old:
        click.echo(
            f"{len(old)} raw export file(s) in {args.data_dir / '01_raw'} are of purged years "
            f"(e.g. {', '.join(old[:3])}): they are the source systems' exports; archive or "
            "remove them as your office's rules say."
        )


if __name__ == "__main__":
    main()
