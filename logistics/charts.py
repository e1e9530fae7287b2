"""Small server-side SVG charts for hub pages: no JavaScript, readable on a phone, printable."""

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

BAR_HEIGHT = 18
GAP = 6
LABEL_WIDTH = 170
BAR_WIDTH = 230
VALUE_WIDTH = 60


def _short(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart_svg(rows: list[tuple[str, Decimal | int]], *, title: str, unit: str = "") -> SafeString:
    """A horizontal bar chart: one bar per (label, value), scaled to the largest value.

    Labels are escaped (they come from the database); the full label is kept in a <title> tooltip.
    """
    largest = max((value for _label, value in rows), default=0) or 1
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    bars = []
    for index, (label, value) in enumerate(rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = round(BAR_WIDTH * float(value) / float(largest), 1)
        bars.append((label, LABEL_WIDTH - 6, y + BAR_HEIGHT - 5, _short(label), LABEL_WIDTH, y, max(length, 1),
                     BAR_HEIGHT, LABEL_WIDTH + length + 4, y + BAR_HEIGHT - 5, _number(value), unit))
    body = format_html_join(
        "", '<g><title>{}</title><text x="{}" y="{}" text-anchor="end">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="{}" rx="2"></rect>'
            '<text x="{}" y="{}" class="value">{} {}</text></g>', bars)
    return format_html(
        '<svg class="bar-chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%" '
        'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">{}</svg>',
        title, width, height, body)


def _number(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:.1f}".replace(".", ",")
    return str(value)
