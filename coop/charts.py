"""Small server-side SVG charts: no JavaScript, readable on a phone, printable (hub pages, the coop's economics)."""

import math
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


# --- months side by side: bars per month and a line through them (the economics dashboard) -------------------

MONTH_WIDTH = 640
MONTH_HEIGHT = 240
LEFT = 58  # room for the amounts on the axis
BOTTOM = 22  # room for the month labels
TOP = 8


def _nice_step(span: float, lines: int = 5) -> float:
    """A round step (1, 2 or 5 x a power of ten) for about `lines` grid lines over `span`."""
    raw = span / lines
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _euros(value: float) -> str:
    """Whole euros with a dot per thousand, the Belgian way (12.500)."""
    return f"{round(value):,}".replace(",", ".")


def month_chart_svg(labels: list[str], *, bars: list[tuple[str, str, list]], line: tuple[str, str, list] | None,
                    title: str) -> SafeString:
    """Per month a group of bars (turnover, break-even ...) and a line (result) on one axis in euros.

    `bars` and `line` are (css class, name, values) with one value per label; a value may be None (not drawn).
    Amounts below zero go below the zero line. Every bar and point carries a <title> with its exact value.
    """
    series = [values for _cls, _name, values in bars] + ([line[2]] if line else [])
    numbers = [float(v) for values in series for v in values if v is not None]
    low, high = min([0.0, *numbers]), max([0.0, *numbers])
    if high == low:
        high = low + 1
    step = _nice_step(high - low)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    plot_w, plot_h = MONTH_WIDTH - LEFT, MONTH_HEIGHT - TOP - BOTTOM

    def y(value) -> float:
        return round(TOP + (high - float(value)) / (high - low) * plot_h, 1)

    slot = plot_w / max(len(labels), 1)
    bar_w = round(slot * 0.8 / max(len(bars), 1), 1)
    grid = []
    tick = low
    while tick <= high + step / 2:
        grid.append(("zero" if tick == 0 else "", LEFT, y(tick), MONTH_WIDTH, y(tick), LEFT - 4, y(tick) + 4,
                     _euros(tick)))
        tick += step
    parts = [format_html_join("", '<line class="grid {}" x1="{}" y1="{}" x2="{}" y2="{}"></line>'
                                  '<text class="axis" x="{}" y="{}" text-anchor="end">{}</text>', grid)]
    rects, texts = [], []
    for index, label in enumerate(labels):
        left = LEFT + index * slot + slot * 0.1
        texts.append((round(left + slot * 0.4, 1), MONTH_HEIGHT - 6, label))
        for number, (css, name, values) in enumerate(bars):
            value = values[index]
            if value is None:
                continue
            top, bottom = sorted((y(value), y(0)))
            rects.append((css, round(left + number * bar_w, 1), top, bar_w, max(round(bottom - top, 1), 0.5),
                          f"{label} · {name}: € {_number_exact(value)}"))
    parts.append(format_html_join("", '<rect class="{}" x="{}" y="{}" width="{}" height="{}">'
                                      '<title>{}</title></rect>', rects))
    parts.append(format_html_join("", '<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text>', texts))
    if line is not None:
        css, name, values = line
        points = [(css, round(LEFT + (i + 0.5) * slot, 1), y(v), labels[i], name, _number_exact(v))
                  for i, v in enumerate(values) if v is not None]
        parts.append(format_html('<polyline class="{}" fill="none" points="{}"></polyline>', css,
                                 " ".join(f"{x},{py}" for _css, x, py, *_rest in points)))
        parts.append(format_html_join("", '<circle class="{}" cx="{}" cy="{}" r="3">'
                                          '<title>{} · {}: € {}</title></circle>', points))
    return format_html(
        '<svg class="month-chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%" '
        'xmlns="http://www.w3.org/2000/svg">{}</svg>', title, MONTH_WIDTH, MONTH_HEIGHT,
        format_html_join("", "{}", ((p,) for p in parts)))


def _number_exact(value) -> str:
    return f"{Decimal(value):.2f}".replace(".", ",")
