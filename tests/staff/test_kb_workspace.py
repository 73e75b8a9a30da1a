"""The rest of the editors' workspace: finding articles with the list's filters, search insights
from the search log, and editing categories and synonyms (audited)."""

from __future__ import annotations

from datetime import timedelta

from helpers import page_form, parse
from staff_support import audit_actions, make_staff, sign_in

from kb import articles
from kb.articles import TranslationContent
from kb.feedback import record_vote
from kb.models import SearchLogEntry, Translation
from kb.types import utcnow


def _editor(client, services) -> None:
    make_staff(services, "eva@example.com", ["editor"])
    assert sign_in(client, "eva@example.com").status_code == 303


def _add(services, title: str, *, lang: str = "en", key: str | None = None,
         status: str = "draft", category: str | None = None) -> int:  # fmt: skip
    with services.write() as session:
        content = TranslationContent(title=title, body_md="Text.", status=status, category=category)
        return articles.create_translation(
            session, lang=lang, content=content, author="seed", key=key
        ).id


def _titles(client, query: str) -> list[str]:
    page = parse(client.get("/staff/kb" + query).text)
    body = page.find("tbody")
    if body is None:
        return []
    return [row.find("td").find("a").text for row in body.find_all("tr")]


def _count(client, query: str) -> str:
    return parse(client.get("/staff/kb" + query).text).by_id("article-count").text


def test_the_article_list_filters_by_language_category_status_and_gaps(client, services) -> None:
    with services.write() as session:
        articles.create_category(session, "delivery", names={"en": "Delivery"})
        articles.create_category(session, "payment", names={"en": "Payment"})
    _add(services, "Delivery times", key="times", status="published", category="delivery")
    _add(services, "Leveranstider", key="times", lang="sv", status="published", category="delivery")
    _add(services, "Tracking", key="tracking", category="delivery")
    _add(services, "Paying by card", key="card", status="archived", category="payment")
    old = _add(services, "Old news", key="old", status="published")
    with services.write() as session:  # last touched two years ago
        session.get(Translation, old).updated_at = utcnow() - timedelta(days=730)
    _editor(client, services)

    assert _titles(client, "") == ["Delivery times", "Leveranstider", "Old news", "Paying by card",
                                   "Tracking"]  # fmt: skip
    assert _count(client, "").startswith("5 articles match.")
    assert "Published: 3 · Drafts: 1 · Archived: 1" in _count(client, "")
    assert _titles(client, "?lang=sv") == ["Leveranstider"]
    assert _titles(client, "?category=delivery") == ["Delivery times", "Leveranstider", "Tracking"]
    assert _titles(client, "?status=published&lang=en") == ["Delivery times", "Old news"]
    assert _titles(client, "?missing=sv&lang=en") == ["Old news", "Paying by card", "Tracking"]
    assert _titles(client, "?stale=1") == ["Old news"]
    assert _count(client, "?status=draft").startswith("1 article matches.")
    # The category column names the category in the editor's language, not by its key.
    rows = parse(client.get("/staff/kb?lang=en&category=payment").text).find("tbody").find_all("tr")
    assert [row.find_all("td")[3].text for row in rows] == ["Payment"]
    rows = parse(client.get("/staff/kb?stale=1").text).find("tbody").find_all("tr")
    assert [row.find_all("td")[3].text for row in rows] == ["—"]


def test_the_list_sorts_by_not_helpful_votes_and_pages(client, services) -> None:
    ids = [_add(services, f"Article {n:02d}", status="published") for n in range(1, 56)]
    with services.write() as session:
        for visitor in range(3):
            record_vote(session, ids[40], f"{visitor:064d}", helpful=False)
        record_vote(session, ids[7], "9" * 64, helpful=False)
        record_vote(session, ids[2], "8" * 64, helpful=True)
    _editor(client, services)

    top = _titles(client, "?order=not_helpful")[:3]
    assert top[:2] == ["Article 41", "Article 08"]
    first, second = _titles(client, ""), _titles(client, "?page=2")
    assert len(first) == 50
    assert second == [f"Article {n}" for n in range(51, 56)]
    pages = parse(client.get("/staff/kb?order=not_helpful").text).find("nav", class_="pagination")
    links = [a.get("href") for a in pages.find_all("a")]
    assert links == ["/staff/kb?order=not_helpful&page=1", "/staff/kb?order=not_helpful&page=2"]


def test_search_insights_show_what_to_write_next(client, services) -> None:
    now = utcnow()

    def log(query: str, results: int, opened: str | None = None, lang: str = "en", days: int = 1):
        session.add(
            SearchLogEntry(
                lang=lang,
                query=query,
                result_count=results,
                opened_key=opened,
                created_at=now - timedelta(days=days),
            )
        )

    with services.write() as session:
        for _ in range(4):
            log("refund", 5, "refunds")
        log("refund", 5)
        for _ in range(3):
            log("klarna", 0)
        log("warranty europe", 2)
        log("warranty europe", 2)
        log("old question", 0, days=60)
        log("återbetalning", 0, lang="sv")
    _editor(client, services)

    def table(page, table_id: str) -> list[list[str]]:
        found = page.find("table", id=table_id)
        if found is None:
            return []
        return [
            [td.text for td in row.find_all("td")] for row in found.find("tbody").find_all("tr")
        ]

    page = parse(client.get("/staff/kb/insights?lang=en&days=30").text)
    assert table(page, "top") == [
        ["refund", "5", "4", "5"],
        ["klarna", "3", "0", "0"],
        ["warranty europe", "2", "0", "2"],
    ]
    assert table(page, "no-results") == [["klarna", "3", "0", "0"]]
    assert table(page, "unopened") == [["warranty europe", "2", "0", "2"]]

    longer = parse(client.get("/staff/kb/insights?lang=en&days=90").text)
    assert ["old question", "1", "0", "0"] in table(longer, "no-results")
    swedish = parse(client.get("/staff/kb/insights?lang=sv&days=30").text)
    assert table(swedish, "no-results") == [["återbetalning", "1", "0", "0"]]


def test_categories_are_renamed_reordered_and_added(client, services) -> None:
    with services.write() as session:
        articles.create_category(session, "delivery", names={"en": "Delivery"})
        articles.create_category(session, "payment", names={"en": "Payment"})
    _editor(client, services)
    form = page_form(client.get("/staff/kb/categories").text, "/staff/kb/categories")
    form.update({"name-payment-sv": "Betalning", "position-payment": "0"})
    assert client.post("/staff/kb/categories", data=form).status_code == 200
    with services.read() as session:
        listed = articles.list_categories(session)
        assert [c.key for c in listed] == ["payment", "delivery"]
        assert listed[0].names == {"en": "Payment", "sv": "Betalning"}

    new = page_form(client.get("/staff/kb/categories").text, "/staff/kb/categories/new")
    new.update({"new-key": "gift-cards", "new-name-en": "Gift cards"})
    assert client.post("/staff/kb/categories/new", data=new).status_code == 200
    taken = client.post("/staff/kb/categories/new", data=new)
    assert taken.status_code == 400
    page = parse(taken.text)
    assert "already exists" in page.by_id("new-key-error").text
    assert page.by_id("new-name-en").get("value") == "Gift cards"
    actions = [a[0] for a in audit_actions(services)]
    assert {"kb.category.update", "kb.category.reorder", "kb.category.create"} <= set(actions)


def test_synonyms_are_edited_per_language_and_audited(client, services) -> None:
    _editor(client, services)
    form = page_form(client.get("/staff/kb/synonyms/sv").text, "/staff/kb/synonyms/sv")
    form["synonyms"] = "återbetalning, pengarna tillbaka\n\nfaktura, räkning\n"
    response = client.post("/staff/kb/synonyms/sv", data=form)
    assert response.status_code == 200
    text = parse(response.text).by_id("synonyms").raw_text.strip()
    assert text == "återbetalning, pengarna tillbaka\nfaktura, räkning"
    with services.read() as session:
        assert articles.get_synonyms(session, "sv")[1] == ["faktura", "räkning"]
        assert articles.get_synonyms(session, "en") == []
    assert ("kb.synonyms.update", "eva@example.com", "sv") in audit_actions(services)
    assert client.get("/staff/kb/synonyms/de").status_code == 404


def _category_of(services, translation_id: int) -> str | None:
    with services.read() as session:
        article = session.get(Translation, translation_id).article
        return article.category.key if article.category else None


def _delete(client, **fields):
    form = page_form(client.get("/staff/kb/categories").text, "/staff/kb/categories/delete")
    form.update(fields)
    return client.post("/staff/kb/categories/delete", data=form, follow_redirects=False)


def _keys(services) -> list[str]:
    with services.read() as session:
        return [c.key for c in articles.list_categories(session)]


def test_an_empty_category_is_deleted_and_audited(client, services) -> None:
    with services.write() as session:
        articles.create_category(session, "delivery", names={"en": "Delivery"})
        articles.create_category(session, "old-stuff", names={"en": "Old stuff"})
    _editor(client, services)
    page = parse(client.get("/staff/kb/categories").text)
    options = [o.text for o in page.by_id("delete-key").find_all("option")[1:]]
    assert options == ["delivery (0 articles)", "old-stuff (0 articles)"]
    response = _delete(client, **{"delete-key": "old-stuff"})
    assert response.status_code == 303
    shown = client.get(response.headers["location"]).text
    assert "The category was deleted." in parse(shown).find(role="status").text
    assert _keys(services) == ["delivery"]
    assert ("kb.category.delete", "eva@example.com") in [a[:2] for a in audit_actions(services)]


def test_a_category_with_articles_asks_where_they_go(client, services) -> None:
    with services.write() as session:
        articles.create_category(session, "delivery", names={"en": "Delivery"})
        articles.create_category(session, "shipping", names={"en": "Shipping"})
    lost = _add(services, "Lost parcels", category="shipping", status="published")
    late = _add(services, "Late parcels", category="shipping")
    _editor(client, services)

    refused = _delete(client, **{"delete-key": "shipping"})
    assert refused.status_code == 400
    page = parse(refused.text)
    assert "holds 2 articles. Choose where they go" in page.by_id("move-to-error").text
    assert page.by_id("move-to").get("aria-invalid") == "true"
    options = page.by_id("delete-key").find_all("option")
    chosen = [o.get("value") for o in options if o.get("selected") is not None]
    assert chosen == ["shipping"]  # the choice is kept
    assert _keys(services) == ["delivery", "shipping"]

    same = _delete(client, **{"delete-key": "shipping", "move-to": "shipping"})
    assert same.status_code == 400
    assert "other than the one you delete" in parse(same.text).by_id("move-to-error").text
    unknown = _delete(client, **{"delete-key": "nothing-here"})
    assert unknown.status_code == 400
    assert parse(unknown.text).by_id("delete-key-error") is not None

    moved = _delete(client, **{"delete-key": "shipping", "move-to": "delivery"})
    assert moved.status_code == 303
    assert _keys(services) == ["delivery"]
    assert _category_of(services, lost) == _category_of(services, late) == "delivery"
    assert _titles(client, "?category=delivery") == ["Late parcels", "Lost parcels"]
    assert client.get("/en/kb/lost-parcels").status_code == 200  # still published


def test_a_category_s_articles_may_be_left_without_a_category(client, services) -> None:
    with services.write() as session:
        articles.create_category(session, "shipping", names={"en": "Shipping"})
    lost = _add(services, "Lost parcels", category="shipping")
    _editor(client, services)
    response = _delete(client, **{"delete-key": "shipping", "move-to": "none"})
    assert response.status_code == 303
    assert _keys(services) == []
    assert _category_of(services, lost) is None
    with services.read() as session:
        assert session.get(Translation, lost) is not None
