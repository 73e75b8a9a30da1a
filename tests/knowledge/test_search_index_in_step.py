"""Search follows the editors: an article is findable soon after it is published, gone soon
after it is unpublished, and a crash, a stale lock or a missing index never leaves search broken
at start-up. The index is polled with a deadline — it is updated in the background."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from knowledge_support import eventually, result_links, slugs
from litestar.testing import TestClient

from kb import articles
from kb.articles import TranslationContent
from kb.search.index import CURRENT, LOCKFILE
from kb.synonyms import set_synonyms
from portal.app import create_app
from portal.cli import main
from portal.services import Services
from portal.settings import Settings

BASE_URL = "http://testserver.local"


def _add(services: Services, slug: str, title: str, body: str, status: str = "published") -> int:
    with services.write() as session:
        return articles.create_translation(
            session,
            lang="en",
            author="test",
            content=TranslationContent(title=title, slug=slug, body_md=body, status=status),
        ).id


def _found(client: TestClient, q: str) -> list[str]:
    return slugs(result_links(client.get("/en/search", params={"q": q}).text))


@pytest.fixture
def app_client(settings: Settings, services: Services) -> Iterator[TestClient]:
    _add(services, "kettle-descaling", "Descaling your kettle", "Use citric acid monthly.")
    with TestClient(create_app(settings, services), base_url=BASE_URL) as client:
        yield client


def _generation(settings: Settings) -> Path:
    root = settings.data_dir / "index"
    return root / (root / CURRENT).read_text().strip()


def test_a_published_article_becomes_findable_and_unpublishing_removes_it(
    app_client: TestClient, services: Services
) -> None:
    assert _found(app_client, "citric") == ["kettle-descaling"]
    tid = _add(services, "toaster-crumbs", "Toaster crumb tray", "Empty the crumb tray.", "draft")
    assert _found(app_client, "crumb") == []

    with services.write() as session:
        articles.publish(session, tid, author="editor")
    eventually(lambda: _found(app_client, "crumb") == ["toaster-crumbs"], what="published")

    with services.write() as session:
        articles.unpublish(session, tid, author="editor")
    eventually(lambda: _found(app_client, "crumb") == [], what="unpublished")


def test_an_edit_is_searched_in_its_new_words(app_client: TestClient, services: Services) -> None:
    with services.write() as session:
        translation = articles.get_by_slug(session, "en", "kettle-descaling")
        articles.update_translation(
            session,
            translation.id,
            TranslationContent(
                title="Descaling your kettle", slug="kettle-descaling", body_md="Use vinegar.",
                status="published",
            ),
            author="editor",
            expected_version=translation.version,
        )  # fmt: skip

    eventually(lambda: _found(app_client, "vinegar") == ["kettle-descaling"], what="edited")
    assert _found(app_client, "citric") == []


def test_editors_synonyms_apply_to_searches(app_client: TestClient, services: Services) -> None:
    assert _found(app_client, "limescale") == []
    with services.write() as session:
        set_synonyms(session, "en", [["descaling", "limescale"]])

    eventually(lambda: _found(app_client, "limescale") == ["kettle-descaling"], what="synonym")


def _restart(settings: Settings, services: Services) -> TestClient:
    return TestClient(create_app(settings, services), base_url=BASE_URL)


def test_a_stale_write_lock_is_cleared_at_start_up(
    app_client: TestClient, settings: Settings, services: Services
) -> None:
    app_client.__exit__(None, None, None)  # the server stops…
    (_generation(settings) / LOCKFILE).write_text("")  # …after a writer crashed holding the lock

    with _restart(settings, services) as client:
        assert _found(client, "citric") == ["kettle-descaling"]
        _add(services, "fridge-ice", "Fridge makes no ice", "Check the water filter.")
        eventually(lambda: _found(client, "filter") == ["fridge-ice"], what="written after")


@pytest.mark.parametrize("damage", ["garbage", "missing", "no-current"])
def test_a_damaged_or_missing_index_is_rebuilt_from_the_database(
    app_client: TestClient, settings: Settings, services: Services, damage: str
) -> None:
    app_client.__exit__(None, None, None)
    generation = _generation(settings)
    if damage == "garbage":
        for file in generation.iterdir():
            file.write_bytes(b"\x00not an index\xff" * 10)
    elif damage == "missing":
        shutil.rmtree(settings.data_dir / "index")
    else:
        (settings.data_dir / "index" / CURRENT).write_text("g-that-does-not-exist")

    with _restart(settings, services) as client:
        assert _found(client, "citric") == ["kettle-descaling"]


def test_changes_made_while_the_server_was_down_are_picked_up(
    app_client: TestClient, settings: Settings, services: Services
) -> None:
    app_client.__exit__(None, None, None)
    _add(services, "oven-door", "Oven door will not close", "Check the hinge.")
    with services.write() as session:
        kettle = articles.get_by_slug(session, "en", "kettle-descaling")
        articles.archive(session, kettle.id, author="editor")

    with _restart(settings, services) as client:
        eventually(lambda: _found(client, "hinge") == ["oven-door"], what="added offline")
        eventually(lambda: _found(client, "citric") == [], what="archived offline")


def test_portal_kb_reindex_rebuilds_while_the_server_keeps_searching(
    app_client: TestClient, settings: Settings, services: Services
) -> None:
    before = _generation(settings)
    env = {
        "PORTAL_DATABASE_URL": settings.database_url,
        "PORTAL_DATA_DIR": str(settings.data_dir),
        "PORTAL_SECRET_KEY": settings.secret_key,
    }

    result = CliRunner().invoke(main, ["kb", "reindex"], env=env)

    assert result.exit_code == 0, result.output
    assert "1 published articles" in result.output
    assert _generation(settings) != before
    assert _found(app_client, "citric") == ["kettle-descaling"]
    _add(services, "fridge-ice", "Fridge makes no ice", "Check the water filter.")
    eventually(lambda: _found(app_client, "filter") == ["fridge-ice"], what="after a reindex")


def test_edits_made_by_another_instance_reach_this_index(
    app_client: TestClient, settings: Settings
) -> None:
    other = Services.build(settings)  # another server on the same database: no shared listeners
    try:
        _add(other, "fridge-ice", "Fridge makes no ice", "Check the water filter.")
        with other.write() as session:
            set_synonyms(session, "en", [["descaling", "limescale"]])
    finally:
        other.close()

    eventually(lambda: _found(app_client, "filter") == ["fridge-ice"], what="added elsewhere")
    eventually(lambda: _found(app_client, "limescale") == ["kettle-descaling"], what="synonyms")


def test_an_index_found_damaged_while_running_is_rebuilt(
    app_client: TestClient, settings: Settings
) -> None:
    index = app_client.app.state.knowledge.search.index
    before = _generation(settings)

    index.needs_rebuild = True  # what a search does when it meets a damaged segment

    eventually(lambda: not index.needs_rebuild and _generation(settings) != before, what="rebuilt")
    assert _found(app_client, "citric") == ["kettle-descaling"]
