"""Solomon and Li & Lim readers, on the real files and on small hand-written ones."""

import pytest

from logistics.routing.readers import BenchmarkFormatError, read_instance, read_lilim, read_solomon

SOLOMON = """TINY

VEHICLE
NUMBER     CAPACITY
  3         50

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      40         50          0          0       1236          0
    1      45         68         10        912        967         90
    2      45         70         30        825        870         90
"""

LILIM = """3\t100\t1
0\t40\t50\t0\t0\t1236\t0\t0\t0
1\t45\t68\t-10\t912\t967\t90\t2\t0
2\t45\t70\t10\t825\t870\t90\t0\t1
"""


def write(tmp_path, text, name="x.txt"):
    path = tmp_path / name
    path.write_text(text.replace("\n", "\r\n"), encoding="utf-8")  # CRLF like the original Solomon files
    return path


def test_solomon_file(tmp_path):
    instance = read_solomon(write(tmp_path, SOLOMON, "tiny.txt"))
    assert instance.name == "tiny"
    assert [stop.id for stop in instance.stops] == ["1", "2"]
    first = instance.stops[0]
    assert (first.service_fixed, first.windows[0].start, first.windows[0].end, first.demand) == (
        90,
        912,
        967,
        {"load": 10},
    )
    assert len(instance.vehicles) == 3
    assert instance.vehicles[0].capacity == {"load": 50}
    assert instance.vehicles[0].shift.end == 1236


def test_lilim_file_pairs_pickup_with_delivery(tmp_path):
    instance = read_lilim(write(tmp_path, LILIM))
    (shipment,) = instance.shipments
    assert (shipment.pickup.id, shipment.delivery.id, shipment.demand) == ("2", "1", {"load": 10})
    assert instance.stops == []


def test_real_benchmark_files(benchmark_dir):
    c101 = read_instance(benchmark_dir / "solomon" / "C101.txt", "solomon")
    assert len(c101.stops) == 100 and len(c101.vehicles) == 25
    lc101 = read_instance(benchmark_dir / "li_lim" / "lc101.txt", "lilim")
    assert len(lc101.shipments) == 53


@pytest.mark.parametrize(
    ("text", "fmt", "message"),
    [
        ("", "solomon", "empty"),
        ("hello\nworld\n", "solomon", "not a Solomon file"),
        (SOLOMON.replace("    2      45", "    2      4x"), "solomon", "not a number"),
        ("3\t100\n", "lilim", "expected 3 numbers"),
        (LILIM.replace("2\t45\t70\t10", "2\t45\t70\t20"), "lilim", "do not match"),
        (SOLOMON, "csv", "unknown format"),
    ],
)
def test_unreadable_input(tmp_path, text, fmt, message):
    with pytest.raises(BenchmarkFormatError, match=message):
        read_instance(write(tmp_path, text), fmt)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(BenchmarkFormatError, match="cannot read"):
        read_solomon(tmp_path / "absent.txt")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(BenchmarkFormatError, match="cannot read"):
        read_solomon(binary)
