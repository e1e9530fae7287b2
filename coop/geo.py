"""Belgian postcodes to coordinates (GeoNames, CC BY 4.0; see coop/data/README.md)."""

import csv
from decimal import Decimal
from functools import cache

from coop.demo.data import DATA_DIR


@cache
def _postcodes() -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    places: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}
    with (DATA_DIR / "be_postcodes.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            point = (Decimal(row["latitude"]), Decimal(row["longitude"]))
            places[(row["postal_code"], row["place_name"].lower())] = point
            places.setdefault((row["postal_code"], ""), point)
    return places


def postcode_location(postcode: str, place: str = "") -> tuple[Decimal, Decimal] | None:
    """Centroid of (postcode, place), or of the postcode's first place; None when unknown."""
    table = _postcodes()
    postcode = (postcode or "").strip()
    return table.get((postcode, (place or "").strip().lower())) or table.get((postcode, ""))


def is_known_postcode(postcode: str) -> bool:
    return postcode_location(postcode) is not None
