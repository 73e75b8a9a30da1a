"""Imports every model so that the metadata Alembic compares against is complete."""

from kb.models import Base as KBBase
from portal.cases.models import Attachment, Case, CaseAccess, CaseEvent
from portal.cases.reply_templates import ReplyTemplate
from portal.db.base import Base
from portal.insights.models import DailyCases, DailySelfService, SummaryState
from portal.mail.models import OutboxMessage
from portal.sla.job_runs import JobRun
from portal.sla.models import SlaCalendar, SlaLanguage, SlaPolicy
from portal.staff import models as staff_models  # noqa: F401 (registers the staff tables)

__all__ = [
    "Attachment",
    "Base",
    "Case",
    "CaseAccess",
    "CaseEvent",
    "DailyCases",
    "DailySelfService",
    "JobRun",
    "OutboxMessage",
    "ReplyTemplate",
    "SlaCalendar",
    "SlaLanguage",
    "SlaPolicy",
    "SummaryState",
    "all_metadata",
]


def all_metadata() -> list:
    """The portal's metadata plus the knowledge base's (``kb`` keeps its own ``Base``)."""
    return [Base.metadata, KBBase.metadata]
