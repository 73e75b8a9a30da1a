"""Pages travel gzip-compressed to browsers that accept it; bodiless answers are left alone."""

from __future__ import annotations

from complaint_support import send
from litestar.testing import TestClient


def test_a_page_is_sent_compressed_and_reads_the_same(client: TestClient) -> None:
    plain = client.get("/en/complaint", headers={"accept-encoding": "identity"})
    packed = client.get("/en/complaint", headers={"accept-encoding": "gzip"})

    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in packed.headers["vary"].lower()
    assert int(packed.headers["content-length"]) < len(plain.content) / 3
    assert "<form" in packed.text
    assert 'name="description"' in packed.text


def test_the_answer_to_a_complaint_is_a_plain_redirect(client: TestClient) -> None:
    assert "gzip" in client.headers["accept-encoding"]  # the form is sent as a browser would
    response = send(client)

    assert response.status_code == 303
    assert response.headers["location"].endswith("/confirmation")
    assert "content-encoding" not in response.headers
    assert response.content == b""


def test_a_small_answer_is_not_compressed(client: TestClient) -> None:
    response = client.get("/health", headers={"accept-encoding": "gzip"})

    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert response.json() == {"status": "ok"}
