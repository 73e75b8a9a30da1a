"""The demo help centre served by the real app: each test gets its own copy of the database
and the search index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from knowledge_support import demo_settings, demo_template  # noqa: F401 (a fixture)
from litestar.testing import TestClient

from portal.app import create_app
from portal.services import Services
from portal.settings import Settings

BASE_URL = "http://testserver.local"


@pytest.fixture
def demo(tmp_path: Path, demo_template: Path) -> Settings:  # noqa: F811
    return demo_settings(demo_template, tmp_path)


@pytest.fixture
def demo_services(demo: Settings) -> Iterator[Services]:
    built = Services.build(demo)
    yield built
    built.close()


@pytest.fixture
def demo_client(demo: Settings, demo_services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(demo, demo_services), base_url=BASE_URL) as client:
        yield client
