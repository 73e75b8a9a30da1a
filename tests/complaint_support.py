"""Helpers for the complaint tests: open the form like a browser, fill it in, send it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from helpers import page_form
from litestar.testing import TestClient
from sqlalchemy import func, select

from portal.app import create_app
from portal.cases.models import Case
from portal.services import Services
from portal.settings import Settings

BASE_URL = "http://testserver.local"
# What a browser sends for a file input left empty.
NO_FILE = [("attachments", ("", b"", "application/octet-stream"))]

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
# The start of a Windows program: "MZ", a DOS stub, and the PE header offset.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"PE\x00\x00"


def open_form(client: TestClient, lang: str = "en") -> dict[str, Any]:
    """GET the form (which also sets the CSRF cookie) and return what its hidden fields hold."""
    response = client.get(f"/{lang}/complaint")
    assert response.status_code == 200, response.text
    return page_form(response.text, f"/{lang}/complaint")


def send(
    client: TestClient,
    lang: str = "en",
    *,
    form: dict[str, Any] | None = None,
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
    follow_redirects: bool = False,
    **fields: Any,
) -> Any:
    """Fill in and send the complaint form; by default a valid complaint from Anna."""
    values = dict(form) if form is not None else open_form(client, lang)
    values.update(
        {
            "email": values.get("email") or "anna@example.com",
            "description": values.get("description")
            or "The parcel arrived crushed and the lamp inside is broken.",
            **fields,
        }
    )
    return client.post(
        f"/{lang}/complaint",
        data=values,
        files=files if files is not None else NO_FILE,
        follow_redirects=follow_redirects,
    )


def count_cases(services: Services) -> int:
    with services.read() as session:
        return session.scalar(select(func.count()).select_from(Case)) or 0


def only_case(services: Services) -> Case:
    with services.read() as session:
        cases = list(session.scalars(select(Case)))
        assert len(cases) == 1, f"expected one case, found {len(cases)}"
        return cases[0]


@contextmanager
def client_with(settings: Settings, **overrides: Any) -> Iterator[tuple[TestClient, Services]]:
    """A client on the real app with some settings changed (e.g. a small rate limit)."""
    changed = replace(settings, **overrides)
    services = Services.build(changed)
    try:
        with TestClient(
            create_app(changed, services), base_url=overrides.get("base_url", BASE_URL)
        ) as client:
            yield client, services
    finally:
        services.close()


def case_cookie(client: TestClient, reference: str) -> str | None:
    return client.cookies.get(f"svar_case_{reference}")


def reference_from(response: Any) -> str:
    """The reference in a redirect to a case page."""
    location = response.headers["location"]
    assert location.startswith("/"), location
    return location.split("/")[3]
