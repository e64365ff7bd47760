"""pytest fixtures for the interop tests (tests/interop/README.md).

  lab       a netlab.Lab in the test's tmp dir; torn down after the test
            (also on failure); when the test fails, the tail of every log
            the lab knows (charon.log of each charon, stderr of each process
            it started, e.g. esp-iked) is attached to the report.
  esp_build_dir, esp_source_dir   for tests that start our own binaries.

Every run first removes what killed runs left behind (netlab.cleanup_stale:
only "espi-<pid>-*" names whose pid is dead).
"""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlab  # noqa: E402

pytest_plugins = ["pytester"]
LOG_TAIL_LINES = int(os.environ.get("ESPI_LOG_TAIL", "80"))


@pytest.fixture(scope="session", autouse=True)
def _root_and_stale():
    if os.geteuid() != 0:
        pytest.fail("the interop tests need root (network namespaces, veth, nftables)",
                    pytrace=False)
    netlab.cleanup_stale()
    yield


@pytest.fixture
def lab(tmp_path):
    lb = netlab.Lab(tmp_path)
    yield lb
    problems = lb.teardown()
    assert not problems, f"teardown: {problems}"


@pytest.fixture(scope="session")
def esp_source_dir():
    return Path(os.environ.get("ESP_SOURCE_DIR",
                               Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="session")
def esp_build_dir(esp_source_dir):
    return Path(os.environ.get("ESP_BUILD_DIR", esp_source_dir / "build"))


def _tail(path: Path, n: int) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return "(no file)"
    return "\n".join(lines[-n:])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when not in ("setup", "call") or not rep.failed:
        return
    lb = getattr(item, "funcargs", {}).get("lab")
    if not isinstance(lb, netlab.Lab):
        return
    for title, path in lb.logs.items():
        rep.sections.append((f"{title}: last {LOG_TAIL_LINES} lines of {path}",
                             _tail(path, LOG_TAIL_LINES)))
