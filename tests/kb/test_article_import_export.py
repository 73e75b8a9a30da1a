"""Moving articles in and out as Markdown files: from another help desk, from the demo content,
and back out again — without losing or changing anything, and saying exactly what was wrong
with a file that could not be read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from kb import articles
from kb.categories import get_category, list_categories
from kb.models import Article, Base, Revision, Translation
from kb.porting import export_folder, import_categories, import_folder

ROOT = Path(__file__).parents[2]
DEMO = ROOT / "portal" / "demo" / "content"
CORPUS = Path("/work/shared/corpus")
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not on this machine")


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


@pytest.fixture
def fresh_session() -> Iterator[Session]:
    """A second, empty knowledge base."""
    engine = create_engine("sqlite://", poolclass=StaticPool)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """A folder that exercises every optional part of the format."""
    folder = tmp_path / "mixed"
    write(folder, "categories.yaml", (
        "- key: sending-back\n  names: {en: Sending back, sv: Skicka tillbaka}\n"
        "  descriptions: {en: Sending things back.}\n"
        "- key: shipping\n  names: {en: Shipping, nb: Frakt}\n"
    ))  # fmt: skip
    write(folder, "sending-back/withdrawal.en.md", (
        "---\nkey: withdrawal\nlang: en\ntitle: 'Yes: you can return it'\n"
        "category: sending-back\nsummary: 'Within 14 days: no reason needed.'\n"
        "tags: returns, withdrawal ,  14 days\nreviewed: 2026-10-01\n"
        "source: {system: zendesk, id: 4402999992850}\nzendesk_id: '4402999992850'\n---\n\n"
        "Text with a rule:\n\n---\n\nAnd more.\n\n\n"
    ))  # fmt: skip
    write(folder, "sending-back/withdrawal.sv.md", (
        "\ufeff---\r\nkey: withdrawal\r\nlang: sv\r\ntitle: Ångerrätt\r\ncategory: sending-back\r\n"
        "status: draft\r\n---\r\nÅngra köpet inom 14 dagar.\r\n"
    ))  # fmt: skip
    write(folder, "nested/deeper/no-slug-given.nb.md", (
        "---\ntitle: Uten slug og nøkkel\nlang: nb\ntags: [a, 2, b]\nstatus: archived\n---\nTekst\n"
    ))  # fmt: skip
    write(folder, "Loose Notes.md", "---\ntitle: Loose\nlang: en\ncategory: New Things\n---\n")
    return folder


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_import_reads_every_optional_field(session, mixed: Path) -> None:
    report = import_folder(session, mixed, author="migration")

    assert report.errors == []
    assert len(report.created) == 4
    en = articles.get_by_slug(session, "en", "withdrawal")
    assert en.title == "Yes: you can return it"
    assert en.summary == "Within 14 days: no reason needed."
    assert en.tags == ["returns", "withdrawal", "14 days"]
    assert en.status == "published"  # the default for imported articles
    assert en.category.key == "sending-back"
    assert en.category.name("sv") == "Skicka tillbaka"
    assert en.meta == {
        "reviewed": "2026-10-01",
        "source": {"system": "zendesk", "id": 4402999992850},
        "zendesk_id": "4402999992850",
    }
    assert en.body_md == "Text with a rule:\n\n---\n\nAnd more."
    sv = articles.translations_of(session, en.article_id)["sv"]
    assert (sv.title, sv.slug, sv.status, sv.body_md) == (
        "Ångerrätt", "withdrawal", "draft", "Ångra köpet inom 14 dagar.",
    )  # fmt: skip
    nb = articles.get_by_slug(session, "nb", "uten-slug-og-nokkel", published_only=False)
    assert nb is None  # no slug given: the file name is the slug
    nb = articles.get_by_slug(session, "nb", "no-slug-given", published_only=False)
    assert (nb.key, nb.category, nb.tags, nb.status) == ("no-slug-given", None, ["a", "2", "b"],
                                                        "archived")  # fmt: skip
    loose = articles.get_by_slug(session, "en", "loose-notes")
    assert loose.category.key == "new-things"
    assert loose.category.name("en") == "New Things"  # unknown categories are created
    assert [r.author for r in articles.list_revisions(session, loose.id)] == ["migration"]


def test_export_then_import_then_export_changes_nothing(
    session, fresh_session, mixed: Path, tmp_path: Path
) -> None:
    import_folder(session, mixed)
    import_folder(session, DEMO)
    first, second = tmp_path / "first", tmp_path / "second"

    export_folder(session, first)
    report = import_folder(fresh_session, first)
    export_folder(fresh_session, second)

    assert report.errors == []
    assert report.skipped == []
    exported = files(first)
    assert exported == files(second)
    assert "sending-back/withdrawal.sv.md" in exported
    assert "nested" not in {Path(name).parts[0] for name in exported}
    assert "no-slug-given.nb.md" in exported  # uncategorised articles sit at the top
    assert b"- key: sending-back\n" in exported["categories.yaml"]
    text = exported["sending-back/withdrawal.en.md"].decode()
    assert text.startswith("---\nkey: withdrawal\nlang: en\ntitle: 'Yes: you can return it'\n")
    assert "tags: [returns, withdrawal, 14 days]\n" in text


def test_demo_content_exports_as_it_was_written(session, tmp_path: Path) -> None:
    import_folder(session, DEMO)
    export_folder(session, tmp_path / "out")
    original = next(DEMO.rglob("*.sv.md"))
    front = original.read_text(encoding="utf-8").split("---\n")[1]
    key = next(line for line in front.splitlines() if line.startswith("key:")).split()[1]
    category = next(line for line in front.splitlines() if line.startswith("category:")).split()[1]
    exported = (tmp_path / "out" / category / f"{key}.sv.md").read_text(encoding="utf-8")
    body = original.read_text(encoding="utf-8").split("---\n", 2)[2]
    assert exported.endswith(body.rstrip() + "\n")
    for line in front.splitlines():
        assert line in exported


def test_reimporting_unchanged_files_changes_nothing(session, mixed: Path) -> None:
    import_folder(session, mixed)
    session.flush()
    before = [(t.id, t.version, t.updated_at) for t in session.scalars(select(Translation))]
    revisions = session.scalar(select(func.count()).select_from(Revision))

    report = import_folder(session, mixed)

    assert (len(report.created), len(report.updated), len(report.unchanged)) == (0, 0, 4)
    assert report.categories_created == report.categories_updated == []
    assert [(t.id, t.version, t.updated_at) for t in session.scalars(select(Translation))] == before
    assert session.scalar(select(func.count()).select_from(Revision)) == revisions


def test_a_changed_file_updates_its_translation_with_a_revision(session, mixed: Path) -> None:
    import_folder(session, mixed)
    path = mixed / "sending-back" / "withdrawal.en.md"
    path.write_text(path.read_text().replace("And more.", "And much more."))

    report = import_folder(session, mixed, author="second run")

    assert report.updated == [path]
    translation = articles.get_by_slug(session, "en", "withdrawal")
    assert translation.body_md.endswith("And much more.")
    assert [r.author for r in articles.list_revisions(session, translation.id)] == [
        "second run", "import",
    ]  # fmt: skip


BAD_FILES = {
    "yaml-error.en.md": (b"---\ntitle: Fine\nlang: en\ntags: [unclosed\n---\nBody\n", 4, "YAML"),
    "open-quote.en.md": (b'---\nlang: en\ntitle: "Unclosed\n---\nBody\n', 3, "YAML"),
    "no-title.en.md": (b"---\nlang: en\nslug: x\n---\nBody\n", 1, "no title"),
    "empty-title.en.md": (b"---\ntitle:\nlang: en\n---\nBody\n", 2, "no title"),
    "no-lang.md": (b"---\ntitle: Hello\n---\nBody\n", 1, "no lang"),
    "tags-mapping.en.md": (b"---\ntitle: T\nlang: en\ntags: {a: 1}\n---\n", 4, "tags must be"),
    "title-list.en.md": (b"---\nlang: en\ntitle: [a, b]\n---\n", 3, "title must be text"),
    "norway.md": (b"---\ntitle: Hei\nlang: no\n---\n", 3, "lang must be text"),
    "bad-lang.md": (b"---\ntitle: Hei\nlang: Norsk bokmal\n---\n", 3, "not a language code"),
    "status.en.md": (b"---\ntitle: S\nlang: en\nstatus: live\n---\n", 4, "status must be one of"),
    "latin1.sv.md": (b"---\ntitle: Hej\nlang: sv\n---\nR\xe4ksm\xf6rg\xe5s\n", 5, "not UTF-8"),
    "unclosed.en.md": (b"---\ntitle: T\nlang: en\nBody without end\n", 1, "never closed"),
    "list.en.md": (b"---\n- title\n- lang\n---\n", 2, "'name: value' lines"),
}


def test_bad_files_are_reported_by_path_and_line_and_the_rest_is_imported(
    session, tmp_path: Path
) -> None:
    folder = tmp_path / "help-desk-export"
    for name, (data, _line, _reason) in BAD_FILES.items():
        write(folder, f"bad/{name}", data)
    good = write(folder, "good/fine.en.md", "---\ntitle: Fine\nlang: en\n---\nStill imported.\n")
    readme = write(folder, "README.md", "# About this export\n")

    report = import_folder(session, folder)

    assert report.created == [good]
    assert [str(s.path) for s in report.skipped] == [str(readme)]
    found = {e.path.name: e for e in report.errors}
    assert set(found) == set(BAD_FILES)
    for name, (_data, line, reason) in BAD_FILES.items():
        error = found[name]
        assert error.path == folder / "bad" / name
        assert (error.line, reason in error.reason) == (line, True), str(error)
        assert str(error).startswith(f"{folder / 'bad' / name}:{line}: ")
    assert not report.ok


def test_contradicting_files_in_one_import_are_refused(session, tmp_path: Path) -> None:
    folder = tmp_path / "dupes"
    write(folder, "a/faq.en.md", "---\ntitle: FAQ\nlang: en\n---\n")
    write(folder, "b/faq.en.md", "---\ntitle: FAQ again\nlang: en\n---\n")
    write(folder, "c/faq.sv.md", "---\ntitle: Frågor\nlang: sv\ncategory: other\n---\n")
    write(folder, "d/taken.sv.md", "---\ntitle: Taken\nlang: sv\nslug: fragor\nkey: x\n---\n")
    write(folder, "e/bad-slug.sv.md", "---\ntitle: Bad\nlang: sv\nslug: '!!!'\n---\n")

    report = import_folder(session, folder)

    assert [p.name for p in report.created] == ["faq.en.md", "taken.sv.md"]
    reasons = {(e.path.parent.name, e.line): e.reason for e in report.errors}
    assert "already has key 'faq'" in reasons[("b", 1)]
    assert "category other differs from (none)" in reasons[("c", 4)]
    assert reasons[("e", 4)] == "the slug has no letters or digits"
    assert ("d", 4) not in reasons  # "fragor" was free: c/faq.sv.md had been refused


def test_a_slug_already_used_by_another_article_is_reported_on_its_line(session, tmp_path) -> None:
    folder = tmp_path / "taken"
    write(folder, "one.sv.md", "---\ntitle: Ett\nlang: sv\nslug: samma\n---\n")
    write(folder, "two.sv.md", "---\ntitle: Två\nlang: sv\n\nslug: samma\n---\n")

    report = import_folder(session, folder)

    [error] = report.errors
    assert (error.path.name, error.line) == ("two.sv.md", 5)
    assert "slug is already used" in error.reason


def test_categories_file_in_its_several_shapes(session, tmp_path: Path) -> None:
    shapes = {
        "list.yaml": "- key: delivery\n  names: {en: Delivery, sv: Leverans}\n- key: returns\n",
        "wrapped.yaml": "categories:\n  - key: payment\n    name: Payment\n    position: 7\n",
        "mapping.yaml": "gift-cards: {en: Gift cards, nb: Gavekort}\norders: Orders\n",
    }
    for name, text in shapes.items():
        assert import_categories(session, write(tmp_path, name, text)).errors == []

    names = {c.key: (c.position, c.names) for c in list_categories(session)}
    assert names["delivery"] == (1, {"en": "Delivery", "sv": "Leverans"})
    assert names["returns"] == (2, {})
    assert names["payment"] == (7, {"en": "Payment"})
    assert names["gift-cards"] == (1, {"en": "Gift cards", "nb": "Gavekort"})
    assert get_category(session, "orders").name("sv") == "Orders"
    again = import_categories(session, tmp_path / "list.yaml")
    assert again.categories_created == again.categories_updated == []

    broken = import_categories(session, write(tmp_path, "bad.yaml", "- key: a\n- names: x\n"))
    assert [(e.line, e.reason) for e in broken.errors] == [(2, "each category needs a key")]


@needs_corpus
@pytest.mark.parametrize(
    ("corpus", "langs", "count"),
    [("m365-alchemy-nordic", {"sv", "nb"}, 334), ("arduino-helpcenter", {"en"}, 218)],
)
def test_real_help_centre_corpora_import_cleanly(session, corpus, langs, count) -> None:
    folder = CORPUS / corpus

    report = import_folder(session, folder)

    assert report.errors == []
    assert len(report.created) == count == len(list(folder.glob("*/*.md")))
    assert {s.path.name for s in report.skipped} <= {"SOURCE.md", "LICENSE.md", "README.md"}
    assert {t.lang for t in session.scalars(select(Translation))} == langs
    if langs == {"sv", "nb"}:  # parallel articles share their key
        assert session.scalar(select(func.count()).select_from(Article)) == count // 2
    assert import_folder(session, folder).unchanged == report.created


def test_import_export_on_a_migrated_database(
    services, fresh_session, mixed: Path, tmp_path: Path
) -> None:
    with services.write() as session:
        first = import_folder(session, mixed)
        import_folder(session, DEMO)
    with services.write() as session:
        again = import_folder(session, mixed)
    with services.read() as session:
        export_folder(session, tmp_path / "database")
    import_folder(fresh_session, mixed)
    import_folder(fresh_session, DEMO)
    export_folder(fresh_session, tmp_path / "memory")

    assert first.errors == []
    assert len(first.created) == 4
    assert len(again.unchanged) == 4
    assert files(tmp_path / "database") == files(tmp_path / "memory")
