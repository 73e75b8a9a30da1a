"""Reading what the customer's case forms post: text fields, and files with earlier ones kept.

The complaint form and the status page's "add information" form read their fields and files the
same way, so a file chosen on one try is kept on the next, on either form.
"""

from __future__ import annotations

from typing import Any

from litestar.datastructures import UploadFile

from portal.cases.attachments import Collected, collect_attachments
from portal.services import Services


def form_text(form: Any, name: str) -> str:
    """A text field's value; "" when it is missing or is a file."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def form_texts(form: Any, name: str) -> list[str]:
    """Every text value sent under ``name`` (e.g. the kept files' keys)."""
    return [v for v in form.getall(name, []) if isinstance(v, str)]


async def form_attachments(form: Any, services: Services, submission_id: str) -> Collected:
    """New uploads plus the files kept from an earlier try, minus those the customer removed.

    Most posts carry no files: then the worker-thread trip (file I/O) is skipped.
    """
    uploads = [
        (part.filename, part.file)
        for part in form.getall("attachments", [])
        if isinstance(part, UploadFile) and part.filename
    ]
    staged_keys = form_texts(form, "staged")
    if not uploads and not staged_keys:
        return Collected()
    return await services.run(
        collect_attachments,
        services.settings.data_dir,
        submission_id=submission_id,
        staged_keys=staged_keys,
        remove_keys=form_texts(form, "remove_attachment"),
        uploads=uploads,
    )
