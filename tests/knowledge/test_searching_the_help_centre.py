"""A customer looks for an answer: the home page, the search page (whole, and as the htmx
fragment that updates while typing), "did you mean", topics, pages of results, a search that
finds nothing, and the search box in the header of every page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from helpers import parse
from knowledge_support import main, result_links, slugs
from litestar.testing import TestClient

HOME_TEXT = {
    "en": ("Returns", "Delivery"),
    "sv": ("Retur och ångerrätt", "Leverans"),
    "nb": ("Retur og angrerett", "Levering"),
}
QUERIES = {
    "en": ("refund", "when-will-i-get-my-refund"),
    "sv": ("leveranstid", "leveranstider"),
    "nb": ("angrerett", "angrerett-returnere-innen-14-dager"),
}


@pytest.mark.parametrize("lang", ["en", "sv", "nb"])
def test_home_shows_topics_with_counts_popular_articles_and_the_ways_to_get_help(
    demo_client: TestClient, lang: str
) -> None:
    response = demo_client.get(f"/{lang}/")

    assert response.status_code == 200
    page = parse(response.text)
    assert page.find("html").get("lang") == lang
    body = main(response.text)
    topics = {
        li.find("a").text: li for li in body.find("ul", class_="category-list").find_all("li")
    }
    for name in HOME_TEXT[lang]:
        assert name in topics
        assert any(ch.isdigit() for ch in topics[name].find("span").text)
    assert topics[HOME_TEXT[lang][0]].find("a").get("href") == f"/{lang}/search?category=returns"
    popular = body.find("section", **{"aria-labelledby": "popular-title"})
    assert popular is not None
    assert len(popular.find_all("a")) >= 3
    hrefs = [a.get("href") for a in body.find_all("a")]
    assert f"/{lang}/complaint" in hrefs
    assert f"/{lang}/track" in hrefs
    search = body.find("form", role="search")
    assert search.get("action") == f"/{lang}/search"
    assert search.get("method") == "get"


@pytest.mark.parametrize("lang", ["en", "sv", "nb"])
def test_search_page_without_javascript_lists_highlighted_results(
    demo_client: TestClient, lang: str
) -> None:
    q, expected = QUERIES[lang]

    response = demo_client.get(f"/{lang}/search", params={"q": q})

    assert response.status_code == 200
    assert "HX-Request" in response.headers["vary"]
    page = parse(response.text)
    assert page.find("html").get("lang") == lang
    assert page.by_id("q").get("value") == q
    links = result_links(response.text)
    assert expected in slugs(links)[:3]
    assert page.by_id("results").find_all("mark"), "query words are highlighted"
    tracking = parse_qs(urlsplit(links[0].get("href")).query)
    assert tracking["from"] == ["search"]
    assert tracking["pos"] == ["1"]
    assert set(tracking) == {"from", "pos", "q_id"}, "the query never travels in result links"
    status = page.by_id("search-status")
    assert status.get("role") == "status"
    assert any(ch.isdigit() for ch in status.text)


def test_with_htmx_only_the_results_block_comes_back(demo_client: TestClient) -> None:
    response = demo_client.get("/en/search", params={"q": "refund"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "HX-Request" in response.headers["vary"]
    fragment = parse(response.text)
    assert fragment.find("html") is None
    assert fragment.find("header") is None
    assert "when-will-i-get-my-refund" in slugs(result_links(response.text))
    assert response.headers["hx-push-url"] == "/en/search?q=refund"
    status = fragment.by_id("search-status")
    assert status.get("hx-swap-oob") == "innerHTML"
    assert "refund" in status.text


def test_a_history_restore_gets_the_whole_page(demo_client: TestClient) -> None:
    response = demo_client.get(
        "/en/search",
        params={"q": "refund"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )

    assert parse(response.text).find("html") is not None


def test_search_box_updates_results_while_typing(demo_client: TestClient) -> None:
    page = parse(demo_client.get("/en/search").text)

    box = page.by_id("q")
    assert box.get("hx-get") == "/en/search"
    assert box.get("hx-target") == "#results"
    assert "input changed delay:300ms" in box.get("hx-trigger")
    assert box.get("hx-push-url") == "true"
    assert page.by_id("results") is not None


def test_no_results_offers_the_complaint_form_with_the_query(demo_client: TestClient) -> None:
    q = "zorbulator & flimflam wobbles"

    response = demo_client.get("/en/search", params={"q": q})

    assert not result_links(response.text)
    page = parse(response.text)
    assert q in page.by_id("search-status").text
    link = page.by_id("results").find("a", class_="button")
    assert urlsplit(link.get("href")).path == "/en/complaint"
    assert parse_qs(urlsplit(link.get("href")).query) == {"description": [q]}
    form = parse(demo_client.get(link.get("href")).text)
    assert form.by_id("description").text == q


def test_the_complaint_form_opens_empty_without_a_description(demo_client: TestClient) -> None:
    form = parse(demo_client.get("/en/complaint").text)

    assert form.by_id("description").text == ""


def test_a_typo_still_finds_and_offers_the_right_spelling(demo_client: TestClient) -> None:
    response = demo_client.get("/en/search", params={"q": "refnud"})

    assert "when-will-i-get-my-refund" in slugs(result_links(response.text))[:3]
    offer = parse(response.text).find("p", class_="did-you-mean")
    assert offer is not None
    assert "refund" in offer.text
    assert offer.find("a").get("href") == "/en/search?q=refund"


def test_a_topic_narrows_the_results(demo_client: TestClient) -> None:
    everywhere = slugs(result_links(demo_client.get("/en/search", params={"q": "parcel"}).text))
    response = demo_client.get("/en/search", params={"q": "parcel", "category": "delivery"})
    narrowed = slugs(result_links(response.text))

    assert narrowed
    topics = [li.find("p", class_="muted").text for li in parse(response.text).find_all("li")
              if li.find("h3")]  # fmt: skip
    assert set(topics) == {"Delivery"}
    assert "wrong-or-missing-item" in everywhere
    assert "wrong-or-missing-item" not in narrowed
    chosen = parse(response.text).by_id("category").find("option", selected="")
    assert chosen.get("value") == "delivery"


def test_an_unknown_topic_searches_everything(demo_client: TestClient) -> None:
    response = demo_client.get("/en/search", params={"q": "parcel", "category": "no-such"})

    assert response.status_code == 200
    assert "wrong-or-missing-item" in slugs(result_links(response.text))


def test_a_topic_without_a_query_lists_its_articles(demo_client: TestClient) -> None:
    response = demo_client.get("/sv/search", params={"category": "returns"})

    listed = [a.get("href") for a in parse(response.text).by_id("results").find_all("a")]
    assert "/sv/kb/angerratt-14-dagar" in listed or len(listed) >= 3
    assert all(href.startswith("/sv/kb/") for href in listed)


def test_many_results_come_in_pages(demo_client: TestClient) -> None:
    first = demo_client.get("/en/search", params={"q": "order"})
    nav = parse(first.text).find("nav", class_="pagination")
    assert nav is not None
    current = nav.find("a", **{"aria-current": "page"})
    assert current.get("href") == "/en/search?q=order"
    next_link = nav.find("a", rel="next")
    assert next_link.get("href") == "/en/search?q=order&page=2"
    assert next_link.get("hx-target") == "#results"

    second = demo_client.get(next_link.get("href"))
    first_slugs, second_slugs = slugs(result_links(first.text)), slugs(result_links(second.text))
    assert len(first_slugs) == 10
    assert second_slugs
    assert not set(first_slugs) & set(second_slugs)
    assert parse(second.text).by_id("results").find("ol").get("start") == "11"
    positions = [
        parse_qs(urlsplit(a.get("href")).query)["pos"][0] for a in result_links(second.text)
    ]
    assert positions[0] == "11"

    beyond = demo_client.get("/en/search", params={"q": "order", "page": "40"})
    assert result_links(beyond.text), "a page past the end shows the last page"
    assert demo_client.get("/en/search", params={"q": "order", "page": "x"}).status_code == 200


def test_query_markup_is_shown_as_text(demo_client: TestClient) -> None:
    response = demo_client.get("/en/search", params={"q": "<script>alert(1)</script> refund"})

    page = parse(response.text)
    assert not page.by_id("main").find_all("script")
    assert "<script>" in page.by_id("search-status").text


@pytest.mark.parametrize("path", ["/en/", "/sv/search?q=paket", "/nb/complaint", "/en/track"])
def test_every_page_has_the_search_box_in_its_header(demo_client: TestClient, path: str) -> None:
    page = parse(demo_client.get(path).text)

    header = page.find("header")
    form = header.find("form", role="search")
    lang = path.split("/")[1]
    assert form.get("action") == f"/{lang}/search"
    box = header.find("input", name="q")
    label = header.find("label", **{"for": box.get("id")})
    assert label is not None
    assert label.text
    assert box.get("hx-get") == f"/{lang}/search/suggest"
    live = header.by_id(box.get("aria-controls"))
    assert live.get("aria-live") == "polite"


def test_header_box_suggests_articles_while_typing(demo_client: TestClient) -> None:
    response = demo_client.get(
        "/en/search/suggest", params={"q": "retu"}, headers={"HX-Request": "true"}
    )

    links = parse(response.text).find_all("a")
    assert "/en/kb/how-to-send-a-return" in [a.get("href").split("?")[0] for a in links]
    assert links[-1].get("href") == "/en/search?q=retu"
    assert len(links) <= 6
    assert "no-store" in response.headers["cache-control"]
    assert parse(demo_client.get("/en/search/suggest", params={"q": ""}).text).find("a") is None


def test_unknown_language_is_not_found(demo_client: TestClient) -> None:
    assert demo_client.get("/de/search?q=refund").status_code == 404
    assert demo_client.get("/xx/").status_code == 404
