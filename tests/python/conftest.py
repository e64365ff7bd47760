"""pytest suite of the Python module esp_offload (build/python).

Backends: the ESP_BACKENDS environment variable (comma-separated; ctest sets
it to the backends this build has: swemu, and cosim when the RTL model is
built). A backend listed there that cannot be opened fails the tests; it is
never skipped. Scenarios on cosim (a cycle-accurate RTL simulation) use
fewer packets: see the `scale` fixture.
"""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("ESP_SOURCE_DIR", os.path.abspath(os.path.join(HERE, "..", "..")))
BUILD_DIR = os.environ.get("ESP_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
for p in (os.path.join(BUILD_DIR, "python"), HERE):
    if p not in sys.path:
        sys.path.insert(0, p)

import esp_offload  # noqa: E402

BACKENDS = [b for b in os.environ.get("ESP_BACKENDS", "swemu").split(",") if b]


def pytest_configure(config):
    config.addinivalue_line("markers", "scale: large tables (the 1M-SA test); swemu only")


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def scale(backend):
    """Packets per scenario step: fewer on cosim (a cycle-accurate RTL simulation), more on swemu."""
    return 16 if backend == "cosim" else 64


@pytest.fixture
def make_card(backend):
    """make_card(**kw) -> an esp_offload.Card on the test's backend, closed at teardown."""
    cards = []

    def make(**kw):
        kw.setdefault("backend", backend)
        kw.setdefault("sa_capacity", 1024)
        if kw["backend"] == "cosim":
            kw.setdefault("seed", 1)
            kw.setdefault("card_memory", 64 << 20)
        else:
            kw.setdefault("card_memory", 256 << 20)
        card = esp_offload.Card(**kw)
        cards.append(card)
        return card

    yield make
    for c in cards:
        c.close()


@pytest.fixture
def card(make_card):
    return make_card()


def key_salt(n, bits=256):
    """A deterministic (key, salt) pair for SA number n."""
    nb = bits // 8
    key = bytes((n * 31 + i * 7 + 1) & 0xFF for i in range(nb))
    salt = bytes((n * 13 + i + 5) & 0xFF for i in range(4))
    return key, salt
