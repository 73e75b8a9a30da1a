"""Load the demo content through the knowledge base's own import functions, then make sure the
search index matches it.

To add more demo data (staff accounts, sample cases), write a step like ``load_demo_staff``:
a function that takes ``Services``, changes nothing when its data is already there, and returns
lines for the report; then call it from ``load_demo``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kb.porting import ImportReport, import_folder
from kb.synonyms import get_synonyms, set_synonyms
from portal.demo.history import load_demo_history
from portal.knowledge.maintenance import index_exists, open_index, rebuild_index
from portal.services import Services
from portal.staff.accounts import authenticate, ensure_user

CONTENT = Path(__file__).parent / "content"
SYNONYMS_FILE = CONTENT / "synonyms.yaml"
AUTHOR = "demo"


@dataclass
class DemoReport:
    articles: ImportReport
    synonyms_changed: list[str] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    indexed: int | None = None  # documents in a rebuilt index; None: the index was up to date

    @property
    def changed(self) -> bool:
        a = self.articles
        return bool(a.created or a.updated or a.categories_created or a.categories_updated) or bool(
            self.synonyms_changed or self.staff
        )

    def lines(self) -> list[str]:
        out = [f"Articles: {self.articles.summary()}."]
        if self.synonyms_changed:
            out.append(f"Synonyms updated: {', '.join(self.synonyms_changed)}.")
        out.extend(self.staff)
        out.extend(self.history)
        if self.indexed is None:
            out.append("Search index: up to date.")
        else:
            out.append(f"Search index: rebuilt with {self.indexed} published articles.")
        return out


def load_synonyms(services: Services, path: Path = SYNONYMS_FILE) -> list[str]:
    """Replace each language's synonym groups with the file's; returns the languages changed."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    changed = []
    with services.write() as session:
        for lang, groups in sorted(data.items()):
            before = get_synonyms(session, lang)
            if set_synonyms(session, lang, groups, author=AUTHOR) != before:
                changed.append(lang)
    return changed


# Sign-in details for the demo back office; ``make run`` prints them. Never created in prod.
DEMO_STAFF = (
    ("admin@example.com", "svar-demo-admin", ("admin",), "Alva Admin"),
    ("editor@example.com", "svar-demo-editor", ("editor",), "Erik Editor"),
    ("agent@example.com", "svar-demo-agent", ("agent",), "Aino Agent"),
)


def load_demo_staff(services: Services) -> list[str]:
    """The demo staff accounts (admin, editor, agent); existing accounts are left as they are."""
    if services.settings.is_prod:
        return ["Staff: demo accounts are not created in production."]
    created = []
    with services.write() as session:
        for email, password, roles, name in DEMO_STAFF:
            _user, is_new = ensure_user(session, email, password, roles, display_name=name)
            if is_new:
                created.append(email)
    return [f"Staff: created {', '.join(created)}."] if created else []


def demo_sign_ins(services: Services) -> list[tuple[str, str, str]]:
    """(role, email, password) of the demo accounts that exist and still use the demo password."""
    found = []
    with services.read() as session:
        for email, password, roles, _name in DEMO_STAFF:
            if authenticate(session, email, password) is not None:
                found.append((", ".join(roles), email, password))
    return found


def load_demo(services: Services, content: Path = CONTENT, *, history: bool = True) -> DemoReport:
    """Import categories, synonyms and articles, then rebuild the search index if anything
    changed (or build it if it is missing or damaged). ``history=False`` leaves out the demo
    cases, searches and suggestions (for tests that count their own)."""
    with services.write() as session:
        articles = import_folder(session, content, author=AUTHOR)
    report = DemoReport(articles=articles)
    report.synonyms_changed = load_synonyms(services, content / SYNONYMS_FILE.name)
    report.staff = load_demo_staff(services)
    if history:  # after the staff: its agents work the cases
        report.history = load_demo_history(services)
    if report.changed or not index_exists(services):
        report.indexed = rebuild_index(services)
    else:
        open_index(services).close()  # repairs a damaged index, else only checks it
    return report
