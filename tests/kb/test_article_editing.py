"""What an editor does with an article: write it, change it, publish it, undo a change — and
never silently overwrite a colleague's edit."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kb import articles
from kb.articles import TranslationContent
from kb.categories import (
    create_category,
    delete_category,
    list_categories,
    reorder_categories,
    update_category,
)
from kb.changes import add_change_listener, add_synonym_listener
from kb.errors import ArticleError, NotFound, StaleEdit
from kb.models import ARCHIVED, DRAFT, PUBLISHED
from kb.synonyms import get_synonyms, parse_synonym_text, set_synonyms

RETURNS = TranslationContent(
    title="Return an item within 14 days",
    body_md="You can return most items.\n\n## How to return\n\nPack it well.",
    summary="The right of withdrawal.",
    tags=["returns", "withdrawal"],
)


def _write(session, lang="en", content=RETURNS, key="right-of-withdrawal", author="ella"):
    return articles.create_translation(session, lang=lang, content=content, author=author, key=key)


def test_a_new_article_is_a_draft_with_its_first_revision(session) -> None:
    translation = _write(session)

    assert translation.status == DRAFT
    assert translation.slug == "return-an-item-within-14-days"
    assert translation.version == 1
    [revision] = articles.list_revisions(session, translation.id)
    assert revision.number == 1
    assert revision.author == "ella"
    assert revision.content["title"] == "Return an item within 14 days"
    assert revision.content["body"].endswith("Pack it well.")
    assert revision.content["tags"] == ["returns", "withdrawal"]
    assert revision.content["category"] is None


def test_translations_share_the_article_key_and_each_has_its_own_slug(session) -> None:
    en = _write(session)
    sv = _write(session, "sv", TranslationContent(title="Ångerrätt – skicka tillbaka", body_md="x"))

    assert en.article_id == sv.article_id
    assert sv.slug == "angerratt-skicka-tillbaka"
    assert set(articles.translations_of(session, en.article_id)) == {"en", "sv"}
    with pytest.raises(ArticleError) as caught:
        _write(session, "sv", TranslationContent(title="Another Swedish one"))
    assert caught.value.errors == {"lang": "exists"}


def test_any_language_code_is_accepted_but_nonsense_is_not(session) -> None:
    assert _write(session, "fi", key="a").lang == "fi"
    assert _write(session, "pt-BR", key="b").lang == "pt-br"
    with pytest.raises(ArticleError) as caught:
        _write(session, "english!", key="c")
    assert caught.value.errors == {"lang": "invalid"}


def test_a_slug_is_unique_within_its_language_only(session) -> None:
    _write(session, content=replace(RETURNS, slug="returns"), key="one")
    other = _write(session, "sv", replace(RETURNS, slug="returns"), key="two")
    assert other.slug == "returns"
    with pytest.raises(ArticleError) as caught:
        _write(session, "en", replace(RETURNS, slug="Returns"), key="three")
    assert caught.value.errors == {"slug": "taken"}


def test_missing_title_and_bad_status_are_reported_per_field(session) -> None:
    with pytest.raises(ArticleError) as caught:
        _write(session, content=TranslationContent(title="  ", status="hidden"))
    assert caught.value.errors == {"title": "required", "slug": "required", "status": "invalid"}


def test_every_edit_records_who_changed_what(session) -> None:
    translation = _write(session)
    edited = replace(RETURNS, body_md="New text.", tags=["returns", "Returns", " refund "])

    articles.update_translation(session, translation.id, edited, author="olof", expected_version=1)

    assert translation.version == 2
    assert translation.updated_by == "olof"
    assert translation.tags == ["returns", "refund"]
    newest, first = articles.list_revisions(session, translation.id)
    assert (newest.number, newest.author, newest.content["body"]) == (2, "olof", "New text.")
    assert first.content["body"].endswith("Pack it well.")


def test_saving_identical_content_creates_no_revision(session) -> None:
    translation = _write(session)
    same = replace(RETURNS, body_md=RETURNS.body_md.replace("\n", "\r\n") + "\r\n\r\n")

    articles.update_translation(session, translation.id, same, author="olof", expected_version=1)

    assert translation.version == 1
    assert len(articles.list_revisions(session, translation.id)) == 1


def test_an_edit_based_on_an_old_version_is_refused(session) -> None:
    translation = _write(session)
    articles.update_translation(
        session, translation.id, replace(RETURNS, title="Olof's title"), author="olof",
        expected_version=1,
    )  # fmt: skip

    with pytest.raises(StaleEdit) as caught:
        articles.update_translation(
            session, translation.id, replace(RETURNS, title="Ella's title"), author="ella",
            expected_version=1,
        )  # fmt: skip

    assert caught.value.current_version == 2
    assert caught.value.current["title"] == "Olof's title"
    assert translation.title == "Olof's title"
    assert len(articles.list_revisions(session, translation.id)) == 2


def test_a_concurrent_save_in_another_transaction_is_detected(kb_sessions) -> None:
    with kb_sessions.begin() as session:
        translation_id = _write(session).id
    with kb_sessions() as first, kb_sessions() as second:
        mine = articles.get_translation(first, translation_id)
        theirs = articles.get_translation(second, translation_id)
        assert mine.version == theirs.version == 1
        articles.update_translation(
            second, translation_id, replace(RETURNS, title="Theirs"), author="b",
            expected_version=1,
        )  # fmt: skip
        second.commit()
        with pytest.raises(StaleEdit):  # first still believes version 1 is current
            articles.update_translation(
                first, translation_id, replace(RETURNS, title="Mine"), author="a",
                expected_version=1,
            )  # fmt: skip


def test_publish_unpublish_and_archive(session) -> None:
    translation = _write(session)
    assert articles.get_by_slug(session, "en", translation.slug) is None

    articles.publish(session, translation.id, author="ella")
    assert translation.status == PUBLISHED
    assert translation.published_at is not None
    assert articles.get_by_slug(session, "en", translation.slug) is translation

    articles.unpublish(session, translation.id, author="ella")
    assert articles.get_by_slug(session, "en", translation.slug) is None
    assert articles.get_by_slug(session, "en", translation.slug, published_only=False)

    articles.archive(session, translation.id, author="ella", expected_version=translation.version)
    assert translation.status == ARCHIVED
    statuses = [r.content["status"] for r in articles.list_revisions(session, translation.id)]
    assert statuses == [ARCHIVED, DRAFT, PUBLISHED, DRAFT]


def test_restoring_a_revision_is_itself_a_new_revision(session) -> None:
    translation = _write(session)
    articles.publish(session, translation.id, author="ella")
    articles.update_translation(
        session, translation.id, replace(RETURNS, body_md="Vandalised.", status=PUBLISHED),
        author="mallory", expected_version=translation.version,
    )  # fmt: skip

    articles.restore_revision(session, translation.id, 1, author="ella")

    assert translation.body_md == RETURNS.body_md
    assert translation.status == PUBLISHED  # restoring old text does not unpublish
    newest = articles.list_revisions(session, translation.id)[0]
    assert (newest.number, newest.restored_from, newest.author) == (4, 1, "ella")
    assert newest.content["body"] == RETURNS.body_md
    with pytest.raises(NotFound):
        articles.restore_revision(session, translation.id, 99, author="ella")


def test_category_applies_to_every_language_and_deleting_it_uncategorises(session) -> None:
    create_category(session, "returns", names={"en": "Returns", "sv": "Returer"})
    en = _write(session, content=replace(RETURNS, category="returns"))
    sv = _write(session, "sv", TranslationContent(title="Retur", category="returns"))
    assert en.category.name("sv") == "Returer"
    assert en.category.name("nb") == "Returns"  # falls back to English
    assert {t.id for t in articles.list_translations(session, category="returns")} == {en.id, sv.id}
    with pytest.raises(ArticleError) as caught:
        _write(session, content=replace(RETURNS, slug="x", category="nope"), key="x")
    assert caught.value.errors == {"category": "unknown"}

    delete_category(session, "returns")

    assert en.category is None
    assert {t.id for t in articles.list_translations(session, uncategorised=True)} == {en.id, sv.id}


def test_categories_keep_the_editors_order(session) -> None:
    for key in ("delivery", "returns", "payment"):
        create_category(session, key, names={"en": key.title()})
    reorder_categories(session, ["payment", "delivery"])
    update_category(session, "returns", names={"en": "Returns and refunds"})

    ordered = list_categories(session)
    assert [c.key for c in ordered] == ["payment", "delivery", "returns"]
    assert ordered[2].name("en") == "Returns and refunds"
    with pytest.raises(ArticleError):
        create_category(session, "Delivery")


def test_synonym_groups_per_language(session) -> None:
    groups = parse_synonym_text(
        "pengarna tillbaka, återbetalning\n# a comment\nLeverans ,  leveranstid, leverans\nensam\n"
    )
    stored = set_synonyms(session, "sv", groups, author="ella")

    assert stored == [["pengarna tillbaka", "återbetalning"], ["leverans", "leveranstid"]]
    assert get_synonyms(session, "sv") == stored
    assert get_synonyms(session, "nb") == []
    set_synonyms(session, "sv", [["retur", "returnera"]])
    assert get_synonyms(session, "sv") == [["retur", "returnera"]]


def test_the_index_hears_of_changes_only_after_they_are_committed(kb_sessions) -> None:
    heard: list[list[int]] = []
    synonyms: list[list[str]] = []
    add_change_listener(kb_sessions, heard.append)
    add_synonym_listener(kb_sessions, synonyms.append)

    with kb_sessions() as session:
        translation = _write(session)
        assert heard == []  # not before the commit
        session.commit()
    assert heard == [[translation.id]]

    with kb_sessions() as session:
        articles.publish(session, translation.id, author="ella")
        session.rollback()
    assert heard == [[translation.id]]  # a rolled-back change is never announced

    with kb_sessions() as session:
        set_synonyms(session, "sv", [["a", "b"]])
        articles.publish(session, translation.id, author="ella")
        session.commit()
    assert heard == [[translation.id], [translation.id]]
    assert synonyms == [["sv"]]


def test_a_failing_listener_does_not_undo_the_edit(kb_sessions) -> None:
    def broken(_ids: list[int]) -> None:
        raise RuntimeError("index is down")

    add_change_listener(kb_sessions, broken)
    with kb_sessions() as session:
        translation_id = _write(session).id
        session.commit()
    with kb_sessions() as session:
        assert articles.get_translation(session, translation_id) is not None
