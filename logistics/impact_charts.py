"""Charts of the impact dashboard, server-side SVG in the style of coop/charts.py (no JavaScript, readable on a
phone, printable): per row a label on a line of its own and one or more bars under it, each bar made of
segments laid end to end (rounds + the farms' own trips; average load + what the peak adds)."""

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from coop.charts import BAR_HEIGHT, GAP, LABEL_HEIGHT, WIDTH

VALUE_ROOM = 100  # right of the longest bar, for its text ("100 % crates" in the chart's 12-unit font)
BAR_GAP = 3  # between the bars of one row


def stacked_bar_chart_svg(rows: list[tuple[str, list[tuple[str, list[tuple[str, str, Decimal]]]]]], *, title: str,
                          scale: Decimal | None = None, track: bool = False, marker: Decimal | None = None
                          ) -> SafeString:
    """`rows`: (label, bars); a bar is (text shown after it, segments); a segment is (css class, name, value).

    Bars are scaled to `scale` (e.g. 100 for percentages) or else to the longest bar. `track` draws the full
    scale behind each bar (capacity), `marker` a dashed line at that value (a target). Every segment has a
    <title> with its name and value; labels and texts are escaped."""
    totals = [sum((value for _css, _name, value in segments), Decimal(0)) for _label, bars in rows
              for _text, segments in bars]
    largest = float(scale or max(totals, default=0) or 1)
    room = WIDTH - VALUE_ROOM
    parts, top = [], 0.0
    for label, bars in rows:
        parts.append(format_html('<text x="0" y="{}">{}</text>', top + LABEL_HEIGHT - 4, label))
        top += LABEL_HEIGHT
        for text, segments in bars:
            if track:
                parts.append(format_html('<rect class="track" x="0" y="{}" width="{}" height="{}" rx="2"></rect>',
                                         top, room, BAR_HEIGHT))
            left = 0.0
            for css, name, value in segments:
                length = round(room * min(float(value), largest) / largest, 1)
                if length > 0:
                    parts.append(format_html(
                        '<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{} · {}: {}</title></rect>',
                        css, round(left, 1), top, length, BAR_HEIGHT, label, name, _number(value)))
                left += length
            parts.append(format_html('<text class="value" x="{}" y="{}">{}</text>',
                                     round((room if track else left) + 4, 1), top + BAR_HEIGHT - 3, text))
            top += BAR_HEIGHT + BAR_GAP
        top += GAP - BAR_GAP
    if marker is not None and rows:
        x = round(room * float(marker) / largest, 1)
        parts.append(format_html('<line class="marker" x1="{}" y1="0" x2="{}" y2="{}"></line>', x, x, top))
    return format_html(
        '<svg class="bar-chart stacked" role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%" '
        'xmlns="http://www.w3.org/2000/svg">{}</svg>', title, WIDTH, max(round(top, 1), 1),
        format_html_join("", "{}", ((part,) for part in parts)))


def _number(value) -> str:
    return f"{Decimal(value):.1f}".replace(".", ",")
