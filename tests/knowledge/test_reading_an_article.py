"""A customer reads an article: where it sits, what is on it, the same article in their other
languages, related reading — and nothing an author typed can run in their browser."""

from __future__ import annotations

import pytest
from helpers import parse
from knowledge_support import eventually, main
from litestar.testing import TestClient

from kb import articles
from kb.articles import TranslationContent
from portal.services import Services

DELIVERY = {"en": "delivery-times", "sv": "leveranstider", "nb": "leveringstid"}
CATEGORY = {"en": "Delivery", "sv": "Leverans", "nb": "Levering"}


def _add(services: Services, lang: str, slug: str, body: str, **content: object) -> int:
    with services.write() as session:
        translation = articles.create_translation(
            session,
            lang=lang,
            key=str(content.pop("key", slug)),
            author="test",
            content=TranslationContent(
                title=str(content.pop("title", slug.replace("-", " ").title())),
                slug=slug,
                body_md=body,
                status=str(content.pop("status", "published")),
                **content,  # type: ignore[arg-type]
            ),
        )
        return translation.id


@pytest.mark.parametrize("lang", ["en", "sv", "nb"])
def test_article_page_has_breadcrumbs_contents_languages_and_related_articles(
    demo_client: TestClient, lang: str
) -> None:
    response = demo_client.get(f"/{lang}/kb/{DELIVERY[lang]}")

    assert response.status_code == 200
    page = parse(response.text)
    assert page.find("html").get("lang") == lang
    body = main(response.text)
    crumbs = body.find("nav", class_="breadcrumbs").find_all("a")
    assert [a.get("href") for a in crumbs[:2]] == [f"/{lang}/", f"/{lang}/search?category=delivery"]
    assert crumbs[1].text == CATEGORY[lang]
    assert crumbs[-1].get("aria-current") == "page"
    title = body.find("h1").text
    assert crumbs[-1].text == title

    toc = body.find("nav", class_="toc")
    targets = [a.get("href") for a in toc.find_all("a")]
    assert len(targets) >= 3
    for target in targets:
        assert body.by_id(target.removeprefix("#")) is not None, f"{target} leads nowhere"

    others = body.find("section", **{"aria-labelledby": "kb_translations_title"})
    links = {a.get("hreflang"): a.get("href") for a in others.find_all("a")}
    assert links == {o: f"/{o}/kb/{DELIVERY[o]}" for o in DELIVERY if o != lang}

    switcher = page.find("nav", class_="lang-switch")
    switch = {a.get("hreflang"): a.get("href") for a in switcher.find_all("a")}
    assert switch == {o: f"/{o}/kb/{slug}" for o, slug in DELIVERY.items()}

    related = body.find("section", **{"aria-labelledby": "kb_related_title"}).find_all("a")
    assert 1 <= len(related) <= 4
    hrefs = [a.get("href") for a in related]
    assert all(h.startswith(f"/{lang}/kb/") for h in hrefs)
    assert f"/{lang}/kb/{DELIVERY[lang]}" not in hrefs
    assert body.find("p", class_="updated").text


def test_related_articles_prefer_the_same_topic(demo_client: TestClient) -> None:
    body = main(demo_client.get("/en/kb/track-your-parcel").text)

    related = body.find("section", **{"aria-labelledby": "kb_related_title"}).find_all("a")
    topics = []
    for link in related:
        crumbs = main(demo_client.get(link.get("href")).text).find("nav", class_="breadcrumbs")
        topics.append(crumbs.find_all("a")[1].text)
    assert topics.count("Delivery") + topics.count("Damaged or missing goods") >= 2


def test_the_switcher_goes_home_when_a_language_is_missing(
    demo_client: TestClient, demo_services: Services
) -> None:
    _add(demo_services, "en", "only-in-english", "Short text.", key="only-in-english")

    page = parse(demo_client.get("/en/kb/only-in-english").text)

    switcher = page.find("nav", class_="lang-switch").find_all("a")
    switch = {a.get("hreflang"): a.get("href") for a in switcher}
    assert switch == {"en": "/en/kb/only-in-english", "sv": "/sv/", "nb": "/nb/"}
    others = page.find("section", **{"aria-labelledby": "kb_translations_title"})
    assert others is None


def test_a_short_article_has_no_table_of_contents(
    demo_client: TestClient, demo_services: Services
) -> None:
    _add(demo_services, "en", "short-one", "## Only heading\n\nA sentence.")

    body = main(demo_client.get("/en/kb/short-one").text)

    assert body.find("nav", class_="toc") is None
    assert body.by_id("only-heading") is not None


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_unpublished_articles_are_not_public(
    demo_client: TestClient, demo_services: Services, status: str
) -> None:
    _add(demo_services, "en", f"secret-{status}", "Not yet.", status=status)

    assert demo_client.get(f"/en/kb/secret-{status}").status_code == 404
    assert demo_client.get("/en/kb/no-such-article").status_code == 404
    assert demo_client.get("/sv/kb/delivery-times").status_code == 404, "slugs are per language"


def test_unpublishing_hides_the_article_at_once(
    demo_client: TestClient, demo_services: Services
) -> None:
    assert demo_client.get("/en/kb/delivery-times").status_code == 200  # now cached
    with demo_services.write() as session:
        translation = articles.get_by_slug(session, "en", "delivery-times")
        articles.unpublish(session, translation.id, author="editor")

    assert demo_client.get("/en/kb/delivery-times").status_code == 404


def test_an_edit_shows_at_once(demo_client: TestClient, demo_services: Services) -> None:
    assert "Delivery times" in main(demo_client.get("/en/kb/delivery-times").text).find("h1").text
    with demo_services.write() as session:
        translation = articles.get_by_slug(session, "en", "delivery-times")
        content = articles.content_of(translation)
        articles.update_translation(
            session,
            translation.id,
            TranslationContent(**{**content.__dict__, "title": "How long delivery takes"}),
            author="editor",
            expected_version=translation.version,
        )

    assert main(demo_client.get("/en/kb/delivery-times").text).find("h1").text == (
        "How long delivery takes"
    )


HOSTILE = """\
## Hello

<script>document.title = 'owned'</script>
<img src="x.png" onerror="alert(1)" alt="picture">
<a href="javascript:alert(2)">click me</a>
[also click](javascript:alert(3))
<p style="position:fixed" onclick="alert(4)">styled</p>
<iframe src="https://evil.example/"></iframe>
<style>body { display: none }</style>
<form action="https://evil.example/"><input name="password"></form>
<svg><script>alert(5)</script></svg>
<a href="https://example.org/">elsewhere</a>
<h2 id="main">Takes the page's id</h2>
"""


def test_hostile_article_content_is_harmless_on_the_page(
    demo_client: TestClient, demo_services: Services
) -> None:
    _add(
        demo_services,
        "en",
        "hostile",
        HOSTILE,
        title="<script>alert('title')</script> Hostile",
        summary='"><img src=x onerror=alert(6)>',
    )

    response = demo_client.get("/en/kb/hostile")

    assert response.status_code == 200
    body = main(response.text)
    article = body.find("div", class_="article-body")
    assert article.find("h2").text == "Hello"
    assert not article.find_all("script")
    assert not article.find_all("iframe")
    assert not article.find_all("style")
    assert not article.find_all("form")
    assert not article.find("input", name="password")
    assert not article.find_all("svg")
    for element in article.iter():
        assert not [name for name in element.attrs if name.startswith("on")], element
        assert "style" not in element.attrs
        assert not (element.get("href") or "").lower().startswith("javascript:")
    external = article.find("a", href="https://example.org/")
    assert "noopener" in external.get("rel").split()
    assert len(parse(response.text).find_all(id="main")) == 1
    assert "<script>alert('title')</script> Hostile" in body.find("h1").text
    assert parse(response.text).find("title").text.startswith("<script>")


def test_a_view_is_counted_for_popular_articles(
    demo_client: TestClient, demo_services: Services
) -> None:
    from kb.feedback import views_of

    for _ in range(3):
        demo_client.get("/nb/kb/leveringstid")
    with demo_services.read() as session:
        translation_id = articles.get_by_slug(session, "nb", "leveringstid").id
    demo_client.app.state.knowledge.search.flush_views()

    def counted() -> int:
        with demo_services.read() as session:
            return views_of(session, translation_id)

    assert eventually(counted, what="views stored") == 3
    demo_client.app.state.knowledge.clear_caches()
    popular = main(demo_client.get("/nb/").text).find(
        "section", **{"aria-labelledby": "popular-title"}
    )
    assert popular.find("a").get("href") == "/nb/kb/leveringstid"
