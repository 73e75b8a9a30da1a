"""The as-you-type partial through HTTP: the header search box's endpoint on a real portal.

The synthetic corpus is stored as published articles in a fresh portal database; the search
index is built from that database into the portal's own index folder (``<data dir>/index``), so
the server started afterwards (``uvicorn portal.app:create_app --factory``, configured through
``PORTAL_*`` variables, as deployed) opens it as it is instead of building it at start-up.
One client on a keep-alive connection then asks ``GET /{lang}/search/suggest?q=…`` as htmx does
(``HX-Request``, gzip), one request at a time, and times each from sending to the last byte:
routing, the language guard, the search, the search log written for each request, the template.
"""

from __future__ import annotations

import gzip
import http.client
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import insert

from bench._harness import Server, cpu_seconds, data_dir, migrate, portal_env
from kb.search import SearchDocument

BATCH = 1000  # rows per INSERT
HEADERS = {"HX-Request": "true", "Accept": "text/html", "Accept-Encoding": "gzip"}


@contextmanager
def portal_with(documents: Sequence[SearchDocument]) -> Iterator[tuple[Path, dict[str, str]]]:
    """A migrated data folder whose database holds ``documents`` as published articles."""
    with data_dir("svar-search-http-") as data:
        env = portal_env(data)
        migrate(env)
        store(env, documents)
        yield data, env


def store(env: dict[str, str], documents: Sequence[SearchDocument]) -> None:
    """Categories, articles and one published translation per document, in bulk."""
    from kb.models import PUBLISHED, Article, Category, Translation
    from portal.services import Services
    from portal.settings import Settings

    services = Services.build(Settings.from_env(env))
    try:
        keys = sorted({d.category for d in documents if d.category})
        category_ids = {key: i for i, key in enumerate(keys, 1)}
        with services.write() as session:
            session.execute(
                insert(Category),
                [
                    {"id": i, "key": key, "position": i, "names": {"en": key}, "descriptions": {}}
                    for key, i in category_ids.items()
                ],
            )
            for start in range(0, len(documents), BATCH):
                batch = list(enumerate(documents[start : start + BATCH], start + 1))
                session.execute(
                    insert(Article),
                    [
                        {
                            "id": i,
                            "key": f"synthetic-{i}",
                            "category_id": category_ids.get(d.category or ""),
                            "created_at": d.updated_at,
                        }
                        for i, d in batch
                    ],
                )
                session.execute(
                    insert(Translation),
                    [
                        {
                            "id": i,
                            "article_id": i,
                            "lang": d.lang,
                            "slug": d.slug,
                            "title": d.title,
                            "summary": d.summary,
                            "body_md": d.body,
                            "tags": list(d.tags),
                            "status": PUBLISHED,
                            "meta": {},
                            "version": 1,
                            "created_at": d.updated_at,
                            "updated_at": d.updated_at,
                            "published_at": d.updated_at,
                            "updated_by": "bench",
                        }
                        for i, d in batch
                    ],
                )
    finally:
        services.close()


def stored_documents(env: dict[str, str]) -> list[SearchDocument]:
    """The documents as the portal's index sees them: read back and rendered from markdown."""
    from portal.knowledge.documents import published_documents
    from portal.services import Services
    from portal.settings import Settings

    services = Services.build(Settings.from_env(env))
    try:
        with services.read() as session:
            return list(published_documents(session))
    finally:
        services.close()


def typeahead(
    data: Path, env: dict[str, str], items: Sequence[tuple[str, str]], warm: int
) -> tuple[list[float], float, int]:
    """Latencies of the typeahead requests (after ``warm`` unmeasured ones), the server's CPU
    seconds per measured request, and how many answers listed at least one article."""
    server = Server("portal.app:create_app", env, log_file=data / "server.log")
    server.start(timeout=300)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        for lang, q in items[:warm]:
            _get(conn, lang, q)
        time.sleep(2.5)  # let the start-up look at the database and the index finish
        latencies, found = [], 0
        cpu = cpu_seconds(server.pid)
        for lang, q in items[warm:]:
            started = time.perf_counter()
            body = _get(conn, lang, q)
            latencies.append(time.perf_counter() - started)
            found += b"<li>" in body
        cpu_per_request = (cpu_seconds(server.pid) - cpu) / max(1, len(latencies))
        conn.close()
    finally:
        server.stop()
    return latencies, cpu_per_request, found


def _get(conn: http.client.HTTPConnection, lang: str, q: str) -> bytes:
    conn.request("GET", f"/{lang}/search/suggest?q={quote(q)}", headers=HEADERS)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"typeahead answered {response.status} for {lang} {q!r}")
    if response.getheader("content-encoding") == "gzip":
        body = gzip.decompress(body)
    return body
