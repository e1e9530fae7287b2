"""A route drawn as a small SVG from coordinates: the hub, a line through the stops in order, numbered dots.

No map tiles and no JavaScript, so it prints in the route sheet PDF and shows on a phone without a network. Plain
equirectangular projection with longitude shrunk by cos(latitude): at the scale of one region that is as good
as a map projection, and it keeps the function free of dependencies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MIN_SPAN = 0.01  # degrees: a route to one nearby place still gets a readable drawing


@dataclass(frozen=True)
class SketchPoint:
    latitude: float
    longitude: float
    label: str = ""  # the number in the dot; no label: the line passes here without a dot
    title: str = ""  # tooltip on screen
    state: str = ""  # css class suffix: planned, arrived, done, problem


def route_sketch_svg(points: list[SketchPoint], *, start: tuple[float, float] | None = None,
                     hub: tuple[float, float] | None = None, width: int = 600, css_class: str = "route-sketch",
                     pad: int = 24) -> SafeString:
    """SVG with a polyline start -> points -> start, a numbered dot per point and the hub as a labelled square.
    Points are in driving order; the height follows the shape of the area (between half and 1.2 times the width).
    Returns "" when nothing has coordinates."""
    located = [p for p in points if p.latitude is not None and p.longitude is not None]
    every = [(p.latitude, p.longitude) for p in located] + [c for c in (start, hub) if c is not None]
    if not every:
        return mark_safe("")
    lats = [float(lat) for lat, _lon in every]
    lons = [float(lon) for _lat, lon in every]
    shrink = math.cos(math.radians(sum(lats) / len(lats)))
    xs = [lon * shrink for lon in lons]
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(lats), max(lats)
    span_x, span_y = max(max_x - min_x, MIN_SPAN), max(max_y - min_y, MIN_SPAN)
    height = int(min(max(width * span_y / span_x, width * 0.5), width * 1.2))
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    off_x = (width - scale * (max_x - min_x)) / 2
    off_y = (height - scale * (max_y - min_y)) / 2

    def xy(lat, lon) -> tuple[float, float]:
        return (round(off_x + (float(lon) * shrink - min_x) * scale, 1),
                round(height - off_y - (float(lat) - min_y) * scale, 1))

    path = [xy(*start)] if start is not None else []
    path += [xy(p.latitude, p.longitude) for p in located]
    if start is not None:
        path.append(xy(*start))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(css_class)}" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img">',
             f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f7f6f1" stroke="#ccc"/>']
    if len(path) > 1:
        line = " ".join(f"{x},{y}" for x, y in path)
        parts.append(f'<polyline points="{line}" fill="none" stroke="#2f6b3b" stroke-width="2.5" '
                     f'stroke-linejoin="round" stroke-linecap="round"/>')
    if hub is not None:
        x, y = xy(*hub)
        parts.append(f'<g class="sketch-hub"><rect x="{x - 10}" y="{y - 10}" width="20" height="20" fill="#6b4f2f"/>'
                     f'<text x="{x}" y="{y + 4.5}" text-anchor="middle" font-size="13" font-weight="bold" '
                     f'fill="#fff" font-family="DejaVu Sans, sans-serif">H</text></g>')
    fills = {"done": "#8fb996", "problem": "#a12", "arrived": "#e0b000"}
    for point in located:
        if not point.label:
            continue  # a pass through the hub: on the line, under the hub's square
        x, y = xy(point.latitude, point.longitude)
        fill = fills.get(point.state, "#2f6b3b")
        title = f"<title>{escape(point.title)}</title>" if point.title else ""
        size = 11 if len(point.label) < 3 else 9
        parts.append(f'<g class="sketch-stop {escape(point.state)}">{title}'
                     f'<circle cx="{x}" cy="{y}" r="10" fill="{fill}" stroke="#fff" stroke-width="1.5"/>'
                     f'<text x="{x}" y="{y + 4}" text-anchor="middle" font-size="{size}" fill="#fff" '
                     f'font-family="DejaVu Sans, sans-serif">{escape(point.label)}</text></g>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - numbers we computed and labels escaped above


def route_day_sketch(day, *, width: int = 600, with_state: bool = False) -> SafeString:
    """The sketch of a `route_day.RouteDay`: its stops in order, the start and the hub."""
    hub = day.hub
    hub_point = ((float(hub.latitude), float(hub.longitude))
                 if hub is not None and hub.latitude is not None and hub.longitude is not None else None)
    points = [SketchPoint(float(card.stop.latitude), float(card.stop.longitude),
                          "" if card.stop.kind == "depot" else str(card.stop.sequence or ""), card.stop.name,
                          card.stop.status if with_state else "")
              for card in day.cards if card.stop.latitude is not None and card.stop.longitude is not None]
    return route_sketch_svg(points, start=day.start, hub=hub_point, width=width)
