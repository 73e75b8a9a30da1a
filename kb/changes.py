"""Tell whoever cares (the search index) which translations changed — after the commit.

Editing functions call ``mark_changed(session, ids)``; the ids are collected on the session and
handed to the registered callables once the transaction commits (a rollback drops them), so a
listener never sees data another session cannot read yet. Listeners live in ``Session.info``;
registering on a ``sessionmaker`` covers every session it makes:

    add_change_listener(services.sessions, index.update_translations)

No framework: plain callables, called in the committing thread. They should be quick (queue the
ids and return); an exception in one is logged and never undoes the committed edit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

ChangeListener = Callable[[list[int]], None]
SynonymListener = Callable[[list[str]], None]

CHANGE_LISTENERS = "kb.change_listeners"
SYNONYM_LISTENERS = "kb.synonym_listeners"
_PENDING_TRANSLATIONS = "kb.pending_translations"
_PENDING_SYNONYMS = "kb.pending_synonyms"


def _info(target: Session | sessionmaker[Session]) -> dict[Any, Any]:
    if isinstance(target, sessionmaker):
        return target.kw.setdefault("info", {})
    return target.info


def add_change_listener(
    target: Session | sessionmaker[Session], listener: ChangeListener
) -> ChangeListener:
    """Call ``listener(translation_ids)`` after each commit that changed searchable content."""
    _info(target).setdefault(CHANGE_LISTENERS, []).append(listener)
    return listener


def add_synonym_listener(
    target: Session | sessionmaker[Session], listener: SynonymListener
) -> SynonymListener:
    """Call ``listener(langs)`` after each commit that changed a language's synonym groups."""
    _info(target).setdefault(SYNONYM_LISTENERS, []).append(listener)
    return listener


def remove_listener(target: Session | sessionmaker[Session], listener: Callable[..., Any]) -> None:
    """Forget a listener registered with either function above (e.g. at app shutdown)."""
    info = _info(target)
    for name in (CHANGE_LISTENERS, SYNONYM_LISTENERS):
        if listener in info.get(name, []):
            info[name].remove(listener)


def mark_changed(session: Session, translation_ids: Iterable[int]) -> None:
    """Remember translations whose searchable content changed in this transaction."""
    session.info.setdefault(_PENDING_TRANSLATIONS, set()).update(translation_ids)


def mark_synonyms_changed(session: Session, lang: str) -> None:
    session.info.setdefault(_PENDING_SYNONYMS, set()).add(lang)


def _notify(listeners: list[Callable[[list[Any]], None]], values: set[Any]) -> None:
    ordered = sorted(values)
    for listener in list(listeners):
        try:
            listener(ordered)
        except Exception:
            log.exception("knowledge-base change listener %r failed", listener)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    translations = session.info.pop(_PENDING_TRANSLATIONS, None)
    synonyms = session.info.pop(_PENDING_SYNONYMS, None)
    if translations:
        _notify(session.info.get(CHANGE_LISTENERS, []), translations)
    if synonyms:
        _notify(session.info.get(SYNONYM_LISTENERS, []), synonyms)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_TRANSLATIONS, None)
    session.info.pop(_PENDING_SYNONYMS, None)
