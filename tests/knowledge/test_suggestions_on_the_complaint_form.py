"""While a customer describes the problem, up to three articles appear beside the complaint
form; what was shown and opened is recorded, and a session that opened one and sent nothing is
a possible deflection."""

from __future__ import annotations

from helpers import page_form, parse
from litestar.testing import TestClient
from sqlalchemy import select

from kb.models import SuggestionEvent
from portal.knowledge.visitors import SESSION_COOKIE
from portal.services import Services

SUGGEST = "/en/complaint/suggestions"
PARCEL = "My parcel never arrived, but the tracking says it was delivered to the mailbox."


def _events(services: Services) -> list[SuggestionEvent]:
    with services.read() as session:
        return list(session.scalars(select(SuggestionEvent).order_by(SuggestionEvent.id)))


def _headers(client: TestClient, lang: str = "en") -> dict[str, str]:
    client.get(f"/{lang}/complaint")  # the form page sets the CSRF cookie
    return {"HX-Request": "true", "x-csrftoken": client.cookies["svar_csrf"]}


def _links(html: str) -> list[str]:
    return [a.get("href") for a in parse(html).find_all("a")]


def test_the_form_asks_for_suggestions_as_the_customer_types(demo_client: TestClient) -> None:
    page = parse(demo_client.get("/en/complaint").text)

    box = page.by_id("kb_suggestions")
    assert box.get("hx-post") == SUGGEST
    assert "from:#description" in box.get("hx-trigger")
    assert "delay:" in box.get("hx-trigger")
    assert box.get("aria-live") == "polite"
    assert set(box.get("hx-params").split(",")) == {"description", "category", "shown"}
    assert box.find("a") is None, "without JavaScript there is nothing here"


def test_up_to_three_relevant_articles_are_suggested(
    demo_client: TestClient, demo_services: Services
) -> None:
    response = demo_client.post(
        SUGGEST, data={"description": PARCEL, "category": "service"}, headers=_headers(demo_client)
    )

    assert response.status_code == 200
    links = _links(response.text)
    assert 1 <= len(links) <= 3
    paths = [href.split("?")[0] for href in links]
    assert "/en/kb/tracking-says-delivered-not-received" in paths
    assert all("from=complaint" in href for href in links)
    assert parse(response.text).find("a").get("target") == "_blank"
    assert demo_client.cookies.get(SESSION_COOKIE)
    events = _events(demo_services)
    assert [e.kind for e in events] == ["impression"] * len(links)
    assert [e.position for e in events] == list(range(1, len(links) + 1))
    assert all(PARCEL not in e.article_key for e in events), "the description is not stored"


def test_other_languages_get_their_own_articles(demo_client: TestClient) -> None:
    response = demo_client.post(
        "/sv/complaint/suggestions",
        data={"description": "Jag vill ha pengarna tillbaka för en trasig vara"},
        headers=_headers(demo_client, "sv"),
    )

    links = _links(response.text)
    assert links
    assert all(href.startswith("/sv/kb/") for href in links)


def test_the_same_suggestions_again_change_nothing(
    demo_client: TestClient, demo_services: Services
) -> None:
    headers = _headers(demo_client)
    first = demo_client.post(SUGGEST, data={"description": PARCEL}, headers=headers)
    shown = parse(first.text).by_id("kb_suggestions_shown").get("value")

    again = demo_client.post(
        SUGGEST, data={"description": PARCEL + " Please help", "shown": shown}, headers=headers
    )

    assert again.status_code == 204
    assert again.content == b""
    impressions = [e for e in _events(demo_services) if e.kind == "impression"]
    assert len(impressions) == len(shown.split(","))


def test_too_little_text_suggests_nothing(demo_client: TestClient, demo_services: Services) -> None:
    response = demo_client.post(
        SUGGEST, data={"description": "hi", "shown": "x"}, headers=_headers(demo_client)
    )

    assert response.status_code == 200
    assert _links(response.text) == []
    assert _events(demo_services) == []


def test_suggestions_need_the_csrf_token(demo_client: TestClient) -> None:
    demo_client.get("/en/complaint")

    response = demo_client.post(SUGGEST, data={"description": PARCEL})

    assert response.status_code == 403


def test_opening_a_suggestion_and_sending_the_complaint_are_recorded(
    demo_client: TestClient, demo_services: Services
) -> None:
    response = demo_client.post(
        SUGGEST, data={"description": PARCEL}, headers=_headers(demo_client)
    )
    first = _links(response.text)[0]

    assert demo_client.get(first).status_code == 200
    form = page_form(demo_client.get("/en/complaint").text, "/en/complaint")
    form.update(email="customer@example.com", description=PARCEL)
    sent = demo_client.post(
        "/en/complaint",
        data=form,
        files=[("attachments", ("", b"", "application/octet-stream"))],
        follow_redirects=False,
    )
    assert sent.status_code == 303

    events = _events(demo_services)
    clicks = [e for e in events if e.kind == "click"]
    assert len(clicks) == 1
    assert clicks[0].position == 1
    assert clicks[0].article_key in {e.article_key for e in events if e.kind == "impression"}
    assert [e.kind for e in events][-1] == "submitted"
    assert len({e.visitor_hash for e in events}) == 1, "one session from start to finish"
