"""Distinct, valid complaint submissions for load: each one a form a real visitor could send.

The form is fetched once from the running server to learn its action, hidden fields and CSRF
cookie, exactly as a browser would. Each submission then gets its own ``submission_id`` and a form
token signed for it (``portal.cases.form_token.issue``, with the bench's secret key, issued a
minute ago so the minimum fill time has passed), so the portal's idempotency cannot fold two
requests into one case. Bodies are ``multipart/form-data`` with an empty file part, which is what
a browser sends for a form with a file input and no file chosen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin

from bench._harness import BENCH_SECRET, set_cookies

BOUNDARY = "----SvarBenchBoundary7MA4YWxkTrZu0gW"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
_TOKEN_VALUE = re.compile(r"^\d+\.[0-9a-f]{16,}$")
CATEGORIES = ("product", "service", "billing", "other")
OUTCOMES = ("refund", "replacement", "repair", "explanation", "other")
DESCRIPTION = (
    "I ordered a coffee grinder (order {i}) three weeks ago. It arrived with a cracked lid and "
    "the burr does not turn. I wrote to you last week but nobody answered. I would like a "
    "replacement sent before the weekend, or my money back."
)


class _Form(HTMLParser):
    """The first POST form on the page: its action and every named input."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.in_form = False
        self.done = False
        self.hidden: dict[str, str] = {}
        self.has_files = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.done and a.get("method", "get").lower() == "post":
            self.in_form, self.action = True, a.get("action", "")
        elif self.in_form and tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "hidden" and a.get("name"):
                self.hidden[a["name"]] = a.get("value", "")
            elif kind == "file":
                self.has_files = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.in_form:
            self.in_form, self.done = False, True


@dataclass(frozen=True)
class ComplaintForm:
    action: str
    cookie: str
    hidden: dict[str, str]
    token_field: str
    submission_field: str

    @property
    def headers(self) -> list[tuple[str, str]]:
        return [
            ("content-type", CONTENT_TYPE),
            ("cookie", self.cookie),
            ("accept", "text/html,application/xhtml+xml"),
            ("accept-encoding", "gzip"),
            ("user-agent", "svar-bench"),
        ]


def fetch_form(port: int, lang: str = "en") -> ComplaintForm:
    """Load the form as a new visitor; find the token and submission-id fields by their values."""
    path = f"/{lang}/complaint"
    cookie, body = set_cookies(port, path)
    parser = _Form()
    parser.feed(body.decode("utf-8", "replace"))
    if parser.action is None:
        raise RuntimeError(f"no POST form on {path}")
    action = urljoin(path, parser.action) if parser.action else path
    token_field = next((k for k, v in parser.hidden.items() if _TOKEN_VALUE.match(v)), None)
    if token_field is None:
        raise RuntimeError(f"no signed form token among hidden fields {sorted(parser.hidden)}")
    submission_field = next(
        (k for k in parser.hidden if "submission" in k.lower()), None
    ) or _field_signed_by(parser.hidden, token_field)
    return ComplaintForm(action, cookie, parser.hidden, token_field, submission_field)


def _field_signed_by(hidden: dict[str, str], token_field: str) -> str:
    from portal.cases.form_token import seconds_since_issued

    now = datetime.now(UTC)
    for name, value in hidden.items():
        if (
            name != token_field
            and seconds_since_issued(BENCH_SECRET, hidden[token_field], value, now) is not None
        ):
            return name
    raise RuntimeError("no hidden field holds the submission id the token signs")


def _part(name: str, value: str) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
    ).encode()


def submission_bodies(
    form: ComplaintForm, count: int, *, tag: str, email: str = "customer{i}@example.net"
) -> list[bytes]:
    """``count`` distinct complaint bodies; ``tag`` keeps ids unique across runs on one database.

    ``email`` is formatted with ``i`` so every case has its own recipient (the portal caps
    acknowledgements per recipient per day; one shared address would suppress most of them).
    """
    from portal.cases.form_token import issue

    issued = datetime.now(UTC) - timedelta(minutes=1)
    empty_file = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\r\n"
    ).encode()
    bodies = []
    for i in range(count):
        submission_id = f"bench-{tag}-{i:016d}"
        token = issue(BENCH_SECRET, issued, submission_id)
        fields = dict(form.hidden)
        fields[form.submission_field] = token.submission_id
        fields[form.token_field] = token.token
        fields.update(
            name=f"Customer {i}",
            email=email.format(i=i),
            phone="+46 70 123 45 67",
            category=CATEGORIES[i % len(CATEGORIES)],
            desired_outcome=OUTCOMES[i % len(OUTCOMES)],
            order_ref=f"SO-{100000 + i}",
            description=DESCRIPTION.format(i=f"SO-{100000 + i}"),
        )
        parts = [_part(k, v) for k, v in fields.items()]
        bodies.append(b"".join(parts) + empty_file + f"--{BOUNDARY}--\r\n".encode())
    return bodies
