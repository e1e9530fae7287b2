"""Small server-side SVG charts for hub pages: no JavaScript, readable on a phone, printable."""

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 320  # viewBox units; the chart scales to its box, so on a phone one unit is about one pixel
LABEL_HEIGHT = 16
BAR_HEIGHT = 14
GAP = 10
VALUE_ROOM = 70  # right of the longest bar, for its value


def bar_chart_svg(rows: list[tuple[str, Decimal | int]], *, title: str, unit: str = "") -> SafeString:
    """A horizontal bar chart: per (label, value) the label on a line of its own and the bar under it, scaled
    to the largest value, so long destination names stay readable on a narrow screen. Labels are escaped."""
    largest = max((value for _label, value in rows), default=0) or 1
    row_height = LABEL_HEIGHT + BAR_HEIGHT + GAP
    bars = []
    for index, (label, value) in enumerate(rows):
        top = index * row_height
        length = max(round((WIDTH - VALUE_ROOM) * float(value) / float(largest), 1), 1)
        bars.append((label, top + LABEL_HEIGHT - 4, label, top + LABEL_HEIGHT, length, BAR_HEIGHT,
                     length + 4, top + LABEL_HEIGHT + BAR_HEIGHT - 3, _number(value), unit))
    body = format_html_join(
        "", '<g><title>{}</title><text x="0" y="{}">{}</text>'
            '<rect x="0" y="{}" width="{}" height="{}" rx="2"></rect>'
            '<text x="{}" y="{}" class="value">{} {}</text></g>', bars)
    return format_html(
        '<svg class="bar-chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%" '
        'xmlns="http://www.w3.org/2000/svg">{}</svg>', title, WIDTH, max(len(rows) * row_height, 1), body)


def _number(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:.1f}".replace(".", ",")
    return str(value)
