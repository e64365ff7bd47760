import os
import sys

import pytest

SOURCE_DIR = os.environ.get("ESP_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BUILD_DIR = os.environ.get("ESP_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
sys.path.insert(0, os.path.join(SOURCE_DIR, "hw", "spec", "gen"))


@pytest.fixture(scope="session")
def source_dir():
    return SOURCE_DIR


@pytest.fixture(scope="session")
def build_dir():
    return BUILD_DIR


@pytest.fixture(scope="session")
def py(build_dir):
    """The generated Python module (build/gen/python/esp_spec.py)."""
    import importlib
    path = os.path.join(build_dir, "gen", "python")
    if path not in sys.path:
        sys.path.insert(0, path)
    return importlib.import_module("esp_spec")
