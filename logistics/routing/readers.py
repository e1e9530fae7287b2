"""Readers for the Solomon (VRPTW) and Li & Lim (PDPTW) benchmark formats.

Both produce an `Instance` with planar locations, one identical vehicle per unit of the header's fleet size
(an upper bound, not a count to use) and the depot's window as the shift. Stop ids are the customer / task
numbers of the file, as strings. The Li & Lim speed field is ignored: travel time equals distance.
"""

from __future__ import annotations

from pathlib import Path

from .model import Instance, Location, Shipment, Stop, TimeWindow, Vehicle

LOAD = "load"
FORMATS = ("solomon", "lilim")


class BenchmarkFormatError(ValueError):
    pass


def read_instance(path: str | Path, fmt: str) -> Instance:
    if fmt == "solomon":
        return read_solomon(path)
    if fmt == "lilim":
        return read_lilim(path)
    raise BenchmarkFormatError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _read_lines(path: str | Path) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="strict")
    except (OSError, UnicodeDecodeError) as error:
        raise BenchmarkFormatError(f"cannot read {path}: {error}") from error
    return [line.strip() for line in text.splitlines() if line.strip()]


def _numbers(line: str, path, count: int) -> list[float]:
    fields = line.split()
    if len(fields) != count:
        raise BenchmarkFormatError(f"{path}: expected {count} numbers, got {line!r}")
    try:
        return [float(field) for field in fields]
    except ValueError as error:
        raise BenchmarkFormatError(f"{path}: not a number in {line!r}") from error


def _fleet(size: int, capacity: float, depot: list[float]) -> list[Vehicle]:
    shift = TimeWindow(depot[4], depot[5])
    return [Vehicle(id=f"v{k + 1}", start="0", shift=shift, capacity={LOAD: capacity}) for k in range(size)]


def read_solomon(path: str | Path) -> Instance:
    lines = _read_lines(path)
    if not lines:
        raise BenchmarkFormatError(f"{path}: empty file")
    try:
        header = next(i for i, line in enumerate(lines) if line.upper().startswith("NUMBER"))
        size, capacity = _numbers(lines[header + 1], path, 2)
        first_row = next(i for i, line in enumerate(lines) if line.upper().startswith("CUST NO")) + 1
    except StopIteration as error:
        raise BenchmarkFormatError(f"{path}: not a Solomon file (no VEHICLE / CUSTOMER sections)") from error
    rows = [_numbers(line, path, 7) for line in lines[first_row:]]
    if len(rows) < 2 or rows[0][0] != 0:
        raise BenchmarkFormatError(f"{path}: expected the depot (number 0) followed by customers")
    locations = [Location(id=str(int(row[0])), x=row[1], y=row[2]) for row in rows]
    stops = [
        Stop(
            id=str(int(row[0])),
            location=str(int(row[0])),
            service_fixed=row[6],
            windows=(TimeWindow(row[4], row[5]),),
            demand={LOAD: row[3]},
        )
        for row in rows[1:]
    ]
    name = Path(path).stem
    return Instance(name, locations, _fleet(int(size), capacity, rows[0]), stops=stops)


def read_lilim(path: str | Path) -> Instance:
    lines = _read_lines(path)
    if not lines:
        raise BenchmarkFormatError(f"{path}: empty file")
    size, capacity, _speed = _numbers(lines[0], path, 3)
    rows = {}
    for line in lines[1:]:
        row = _numbers(line, path, 9)
        rows[int(row[0])] = row
    if 0 not in rows or len(rows) < 3:
        raise BenchmarkFormatError(f"{path}: expected the depot (task 0) followed by tasks")
    locations = [Location(id=str(task), x=row[1], y=row[2]) for task, row in rows.items()]

    def stop(task: int) -> Stop:
        row = rows[task]
        return Stop(id=str(task), location=str(task), service_fixed=row[6], windows=(TimeWindow(row[4], row[5]),))

    shipments = []
    for task, row in rows.items():
        if task == 0 or row[3] < 0:
            continue
        delivery = int(row[8])
        if delivery not in rows or int(rows[delivery][7]) != task or rows[delivery][3] != -row[3]:
            raise BenchmarkFormatError(f"{path}: pickup {task} and its delivery {delivery} do not match")
        shipments.append(Shipment(id=str(task), pickup=stop(task), delivery=stop(delivery), demand={LOAD: row[3]}))
    paired = {int(s.pickup.id) for s in shipments} | {int(s.delivery.id) for s in shipments}
    if paired != set(rows) - {0}:
        raise BenchmarkFormatError(f"{path}: tasks without a partner: {sorted(set(rows) - {0} - paired)}")
    name = Path(path).stem
    return Instance(name, locations, _fleet(int(size), capacity, rows[0]), shipments=shipments)
