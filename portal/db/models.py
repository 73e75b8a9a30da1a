"""Imports every model so that the metadata Alembic compares against is complete."""

from portal.cases.models import Attachment, Case, CaseAccess, CaseEvent
from portal.db.base import Base
from portal.mail.models import OutboxMessage

__all__ = ["Attachment", "Base", "Case", "CaseAccess", "CaseEvent", "OutboxMessage", "all_metadata"]


def all_metadata() -> list:
    """The portal's metadata plus the knowledge base's, once that package defines tables."""
    metas = [Base.metadata]
    try:
        from kb.models import Base as KBBase
    except ImportError:
        return metas
    metas.append(KBBase.metadata)
    return metas
