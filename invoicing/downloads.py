"""File responses for the economics pages and API: the CSV exports by name, so pages and API serve the same files."""

from datetime import date

from django.http import HttpResponse

from .services.allocation import allocation_csv
from .services.economics import economics_csv

# name -> what it holds for a month
MONTH_EXPORTS = {
    "economics": lambda month: economics_csv(last=month),  # the 12 months up to `month`
    "cost-shares": lambda month: allocation_csv(month=month),  # per order, customer group and producer
}


def csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def month_export_response(name: str, *, month: date, coop_slug: str) -> HttpResponse:
    return csv_response(MONTH_EXPORTS[name](month), f"{name}-{coop_slug}-{month:%Y-%m}.csv")
