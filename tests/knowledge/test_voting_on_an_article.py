"""Was this helpful? a plain form without JavaScript, the same block swapped by htmx; one
vote per visitor that a second vote changes; an optional comment after "no"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import page_form, parse
from knowledge_support import demo_settings
from litestar.testing import TestClient
from sqlalchemy import select

from kb import articles
from kb.models import Vote
from portal.app import create_app
from portal.knowledge.visitors import VISITOR_COOKIE
from portal.services import Services

ARTICLE = "/en/kb/delivery-times"
ACTION = f"{ARTICLE}/feedback"


def _votes(services: Services) -> list[Vote]:
    with services.read() as session:
        translation = articles.get_by_slug(session, "en", "delivery-times")
        return list(session.scalars(select(Vote).where(Vote.translation_id == translation.id)))


def _form(client: TestClient) -> dict[str, str]:
    return page_form(client.get(ARTICLE).text, ACTION)


def _htmx(client: TestClient) -> dict[str, str]:
    client.get(ARTICLE)  # the CSRF cookie, as a browser has it from the page
    return {"HX-Request": "true", "x-csrftoken": client.cookies["svar_csrf"]}


def test_yes_without_javascript_thanks_the_reader(
    demo_client: TestClient, demo_services: Services
) -> None:
    response = demo_client.post(
        ACTION, data={**_form(demo_client), "helpful": "yes"}, follow_redirects=False
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"{ARTICLE}?feedback=thanks#kb_feedback"
    assert demo_client.cookies.get(VISITOR_COOKIE)
    page = parse(demo_client.get(response.headers["location"]).text)
    assert page.by_id("kb_feedback").find("p", role="status") is not None
    assert page.find("form", action=ACTION) is None
    [vote] = _votes(demo_services)
    assert vote.helpful is True
    assert vote.comment == ""
    assert VISITOR_COOKIE not in vote.visitor_hash
    assert len(vote.visitor_hash) == 64


def test_no_asks_what_was_missing_and_keeps_the_comment(
    demo_client: TestClient, demo_services: Services
) -> None:
    response = demo_client.post(ACTION, data={**_form(demo_client), "helpful": "no"})

    page = parse(response.text)
    comment = page.by_id("kb_comment")
    assert comment is not None
    assert comment.get("name") == "comment"
    assert page.find("label", **{"for": "kb_comment"}).text
    form = page_form(response.text, ACTION)
    assert form["helpful"] == "no"

    demo_client.post(ACTION, data={**form, "comment": "Nothing about Iceland."})

    [vote] = _votes(demo_services)
    assert vote.helpful is False
    assert vote.comment == "Nothing about Iceland."


def test_a_second_vote_changes_the_first_and_never_counts_twice(
    demo_client: TestClient, demo_services: Services
) -> None:
    demo_client.post(ACTION, data={**_form(demo_client), "helpful": "no"})
    demo_client.post(ACTION, data={**_form(demo_client), "helpful": "no", "comment": "Hm."})
    demo_client.post(ACTION, data={**_form(demo_client), "helpful": "yes"})

    [vote] = _votes(demo_services)
    assert vote.helpful is True
    assert vote.comment == ""

    demo_client.cookies.delete(VISITOR_COOKIE)  # someone else, on another device
    demo_client.post(ACTION, data={**_form(demo_client), "helpful": "no"})
    assert sorted(v.helpful for v in _votes(demo_services)) == [False, True]


def test_with_htmx_the_feedback_block_is_swapped_in_place(
    demo_client: TestClient, demo_services: Services
) -> None:
    page = parse(demo_client.get(ARTICLE).text)
    form = page.find("form", action=ACTION)
    assert form.get("hx-post") == ACTION
    assert form.get("hx-target") == "#kb_feedback"

    response = demo_client.post(ACTION, data={"helpful": "no"}, headers=_htmx(demo_client))

    assert response.status_code == 200
    fragment = parse(response.text)
    assert fragment.find("html") is None
    assert fragment.find("main") is None
    assert fragment.by_id("kb_comment").get("autofocus") is not None
    response = demo_client.post(
        ACTION, data={"helpful": "no", "comment": "Too long."}, headers=_htmx(demo_client)
    )
    assert parse(response.text).find("p", role="status") is not None
    [vote] = _votes(demo_services)
    assert vote.comment == "Too long."


def test_a_vote_without_a_choice_or_with_a_huge_comment_says_what_is_wrong(
    demo_client: TestClient, demo_services: Services
) -> None:
    response = demo_client.post(ACTION, data=_form(demo_client))
    assert response.status_code == 422
    assert "yes or no" in parse(response.text).by_id("kb_helpful_error").text

    huge = "x" * 2500
    form = {**_form(demo_client), "helpful": "no", "comment": huge}
    response = demo_client.post(ACTION, data=form)
    assert response.status_code == 422
    page = parse(response.text)
    assert "2000" in page.by_id("kb_comment_error").text
    assert page.by_id("kb_comment").text == huge, "what the reader wrote is kept"
    assert page.by_id("kb_comment").get("aria-invalid") == "true"
    assert _votes(demo_services) == []


def test_a_vote_needs_the_csrf_token(demo_client: TestClient, demo_services: Services) -> None:
    demo_client.get(ARTICLE)

    response = demo_client.post(ACTION, data={"helpful": "yes"})

    assert response.status_code == 403
    assert _votes(demo_services) == []


def test_a_vote_on_an_unknown_article_is_not_found(demo_client: TestClient) -> None:
    form = _form(demo_client)
    assert (
        demo_client.post("/en/kb/nope/feedback", data={**form, "helpful": "yes"}).status_code == 404
    )


@pytest.fixture
def strict_client(tmp_path: Path, demo_template: Path) -> Iterator[TestClient]:
    settings = demo_settings(demo_template, tmp_path, post_rate_limit_per_minute=2)
    with TestClient(create_app(settings), base_url="http://testserver.local") as client:
        yield client


def test_votes_are_rate_limited(strict_client: TestClient) -> None:
    statuses = [
        strict_client.post(
            ACTION, data={**_form(strict_client), "helpful": "yes"}, follow_redirects=False
        ).status_code
        for _ in range(3)
    ]

    assert statuses == [303, 303, 429]
