"""Abandoned uploads: files staged by a complaint form that was never sent are removed after a
day; files that belong to a case stay."""

from __future__ import annotations

import os
import time

from complaint_support import PNG, send
from sqlalchemy import select

from portal.cases.attachments import stored_path
from portal.cases.models import Attachment
from portal.housekeeping import STAGED_UPLOAD_MAX_AGE, run_housekeeping
from portal.services import Services


def _age(path, seconds: float) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


def test_stale_staged_uploads_are_removed_and_case_files_kept(client, services: Services) -> None:
    data_dir = services.settings.data_dir
    files = [("attachments", ("photo.png", PNG, "image/png"))]
    send(client, email="not an address", files=files)  # comes back with an error: staged
    staged = data_dir / "uploads" / "staged"
    [abandoned] = [record.stem for record in staged.glob("*.json")]
    send(client, email="kim@example.com", files=files)
    for record in staged.glob("*.json"):
        _age(record, STAGED_UPLOAD_MAX_AGE + 60)

    assert run_housekeeping(services) == 1

    assert not stored_path(data_dir, abandoned).exists()
    with services.read() as session:
        [kept] = [a.storage_key for a in session.scalars(select(Attachment))]
    assert stored_path(data_dir, kept).exists()
