"""``portal demo``: what ``make run`` calls — the demo help centre in three languages, searchable,
and a second run changes nothing."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select
from support import TEST_SECRET

from kb.models import PUBLISHED, Category, Revision, SynonymGroup, Translation
from kb.search.index import CURRENT, SearchIndex
from kb.search.query import search
from portal.cli import main
from portal.services import Services
from portal.settings import Settings


def _snapshot(services: Services) -> dict[str, object]:
    with services.read() as session:
        return {
            "translations": session.execute(
                select(Translation.id, Translation.version, Translation.updated_at)
            ).all(),
            "revisions": session.scalar(select(func.count()).select_from(Revision)),
            "categories": session.execute(select(Category.key, Category.names)).all(),
            "synonyms": session.execute(select(SynonymGroup.id, SynonymGroup.terms)).all(),
        }


def test_demo_twice_loads_the_help_centre_once(
    database_url: str, settings: Settings, services: Services
) -> None:
    env = {
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_DATA_DIR": str(settings.data_dir),
        "PORTAL_SECRET_KEY": TEST_SECRET,
    }
    runner = CliRunner()

    first = runner.invoke(main, ["demo"], env=env)
    assert first.exit_code == 0, first.output
    assert "0 failed" in first.output
    assert "admin@example.com / svar-demo-admin" in first.output  # how to sign in to /staff/
    loaded = _snapshot(services)
    current = (settings.data_dir / "index" / CURRENT).read_text()

    second = runner.invoke(main, ["demo"], env=env)

    assert second.exit_code == 0, second.output
    assert "0 created, 0 updated" in second.output
    assert "up to date" in second.output
    assert _snapshot(services) == loaded
    assert (settings.data_dir / "index" / CURRENT).read_text() == current

    with services.read() as session:
        per_lang = dict(
            session.execute(
                select(Translation.lang, func.count())
                .where(Translation.status == PUBLISHED)
                .group_by(Translation.lang)
            ).all()
        )
    assert all(per_lang[lang] >= 30 for lang in ("en", "sv", "nb")), per_lang
    assert len(loaded["synonyms"]) >= 30  # the editors' synonym groups, all languages
    index = SearchIndex(settings.data_dir / "index")
    try:
        assert search(index, "sv", "ångerrätt").total > 0
        assert search(index, "nb", "angrerett").total > 0
        assert index.doc_count() == sum(per_lang.values())
    finally:
        index.close()
