"""Travel matrix providers: planar, great-circle with the speed model and cache, and OSRM over HTTP."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from logistics.routing.matrix import (
    EuclideanMatrix,
    GreatCircleMatrix,
    OsrmMatrix,
    SpeedModel,
    default_matrix_provider,
    haversine_km,
)
from logistics.routing.model import Location

LEUVEN = Location("leuven", lat=50.8798, lon=4.7005)
BRUSSELS = Location("brussel", lat=50.8467, lon=4.3525)


def test_euclidean_keeps_fractions():
    matrix = EuclideanMatrix().matrix([Location("a", x=0, y=0), Location("b", x=1, y=1)])
    assert matrix.distances[0][1] == pytest.approx(2**0.5)
    assert matrix.durations is matrix.distances
    # At least two decimals survive the integer scaling.
    assert matrix.distance_scale >= 100 and matrix.time_scale >= 100


def test_haversine_leuven_brussels():
    assert haversine_km(LEUVEN.lat, LEUVEN.lon, BRUSSELS.lat, BRUSSELS.lon) == pytest.approx(24.7, abs=0.5)


def test_great_circle_applies_road_factor_and_speed_model():
    provider = GreatCircleMatrix(road_factor=1.3)
    matrix = provider.matrix([LEUVEN, BRUSSELS])
    km = matrix.distances[0][1]
    assert km == pytest.approx(1.3 * haversine_km(LEUVEN.lat, LEUVEN.lon, BRUSSELS.lat, BRUSSELS.lon))
    hours = (matrix.durations[0][1] - provider.speed.overhead_seconds) / 3600
    assert 35 < km / hours < 65  # a regional trip averages between village and main road speed
    assert matrix.distances[0][0] == 0 and matrix.durations[0][0] == 0
    assert provider.matrix([LEUVEN, BRUSSELS]) is matrix  # cached


def test_speed_model_is_slower_for_short_hops():
    model = SpeedModel()
    short_speed = 1 / ((model.seconds(1) - model.overhead_seconds) / 3600)
    long_speed = 30 / ((model.seconds(30) - model.overhead_seconds) / 3600)
    assert short_speed < long_speed


class FakeOsrm(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):
        FakeOsrm.requests.append(self.path)
        sources = self.path.split("sources=")[1].split("&")[0].split(";")
        destinations = self.path.split("destinations=")[1].split("&")[0].split(";")
        body = {
            "code": "Ok",
            "distances": [[1000.0 * (int(s) + int(d)) for d in destinations] for s in sources],
            "durations": [[60.0 for _ in destinations] for _ in sources],
        }
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def osrm_url():
    server = HTTPServer(("127.0.0.1", 0), FakeOsrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeOsrm.requests = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_osrm_table_in_blocks(osrm_url):
    locations = [Location(f"p{i}", lat=50.8 + i / 100, lon=4.7) for i in range(5)]
    matrix = OsrmMatrix(osrm_url, block=4).matrix(locations)  # blocks of 2 x 2 coordinates
    assert len(FakeOsrm.requests) == 9
    assert "/table/v1/driving/4.700000,50.800000;" in FakeOsrm.requests[0]
    assert matrix.durations[4][3] == 60.0
    assert matrix.distances[0][1] == pytest.approx(3.0)  # block-local indices 0 and 2+1 -> 3000 m


def test_default_provider_prefers_osrm_when_configured(monkeypatch, osrm_url):
    assert isinstance(default_matrix_provider([Location("a", x=0, y=0)]), EuclideanMatrix)
    monkeypatch.delenv("OSRM_URL", raising=False)
    assert isinstance(default_matrix_provider([LEUVEN]), GreatCircleMatrix)
    monkeypatch.setenv("OSRM_URL", osrm_url)
    assert isinstance(default_matrix_provider([LEUVEN]), OsrmMatrix)


def test_osrm_rejects_non_http_urls():
    with pytest.raises(ValueError, match="http"):
        OsrmMatrix("file:///etc").matrix([LEUVEN, BRUSSELS])
