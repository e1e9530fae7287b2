from pathlib import Path

import pytest
from routing_helpers import BENCHMARKS


@pytest.fixture
def benchmark_dir() -> Path:
    if not BENCHMARKS.is_dir():
        pytest.skip(f"benchmark instances not found at {BENCHMARKS} (shared/ is expected beside the repository)")
    return BENCHMARKS
