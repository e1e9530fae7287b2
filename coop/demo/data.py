"""Readers for the reference data in coop/data (see its README for sources and licences)."""

import csv
import json
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@cache
def regions() -> dict:
    return json.loads((DATA_DIR / "regions.json").read_text(encoding="utf-8"))


@cache
def products() -> dict[str, dict]:
    with (DATA_DIR / "products.csv").open(encoding="utf-8") as fh:
        return {row["sku"]: row for row in csv.DictReader(fh)}


@cache
def deposit_items() -> dict[str, dict]:
    with (DATA_DIR / "deposit_items.csv").open(encoding="utf-8") as fh:
        return {row["code"]: row for row in csv.DictReader(fh)}
