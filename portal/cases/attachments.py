"""Files a customer sends with a complaint: checked by content, stored outside the web root.

Every accepted file is written at once under ``<data_dir>/uploads/`` with a random storage key,
plus a small "staged" record. If the form comes back with an error, the page lists the staged files
and sends their keys along with the next submit, so nothing the customer chose is lost. When the
case is committed its attachment rows point at the same storage keys and the staged records go.
Files that were staged but never used are removed by ``purge_abandoned_uploads``.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import secrets
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import filetype
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.models import Attachment
from portal.i18n import N_

MB = 1024 * 1024
MAX_FILES = 5
MAX_FILE_BYTES = 10 * MB
MAX_TOTAL_BYTES = 25 * MB
# The largest request body the complaint form accepts: room for five full-size files, so that
# going over the per-complaint total gets a message naming the file rather than a bare error.
MAX_REQUEST_BYTES = MAX_FILES * MAX_FILE_BYTES + MB

ALLOWED_IMAGES = {
    "image/png": "image/png",
    "image/apng": "image/png",
    "image/jpeg": "image/jpeg",
    "image/gif": "image/gif",
    "image/webp": "image/webp",
    "image/heic": "image/heic",
}
PDF = "application/pdf"
TEXT = "text/plain"
ACCEPT_ATTRIBUTE = ",".join(
    [*sorted(set(ALLOWED_IMAGES.values())), PDF, TEXT, ".heic", ".txt", ".pdf"]
)

_CHUNK = 64 * 1024
_HEAD = 8192  # what filetype reads
_KEY = re.compile(r"^[A-Za-z0-9_-]{32}$")
# Text may hold tabs, line breaks and form feeds; any other control byte means it is not text.
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")

# What a refused file looks like, in a whole sentence each so translators see the full thought.
_LOOKS_LIKE: list[tuple[Iterable[str], str]] = [
    (
        ("application/x-msdownload", "application/vnd.ms-cab-compressed"),
        N_("%(name)s is not an image, PDF or text file — it looks like a Windows program."),
    ),
    (
        ("application/x-executable", "application/wasm", "application/x-deb", "application/x-rpm"),
        N_("%(name)s is not an image, PDF or text file — it looks like a program."),
    ),
    (
        (
            "application/zip",
            "application/x-tar",
            "application/x-rar-compressed",
            "application/gzip",
            "application/x-bzip2",
            "application/x-7z-compressed",
            "application/x-xz",
            "application/zstd",
        ),
        N_(
            "%(name)s is not an image, PDF or text file — it looks like a compressed archive. "
            "Please attach the pictures or documents inside it instead."
        ),
    ),
    (
        (
            "application/msword",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.oasis.opendocument.text",
            "application/vnd.ms-excel",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.oasis.opendocument.spreadsheet",
            "application/vnd.ms-powerpoint",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "application/vnd.oasis.opendocument.presentation",
            "application/rtf",
        ),
        N_(
            "%(name)s is not an image, PDF or text file — it looks like an office document. "
            "Please save it as a PDF and attach that instead."
        ),
    ),
]
_MEDIA = N_(
    "%(name)s is not an image, PDF or text file — it looks like a video or sound recording. "
    "Please send a photo or describe it in your message instead."
)
_OTHER_IMAGE = N_(
    "%(name)s is a kind of image we cannot open. Please send it as a JPEG or PNG picture."
)
_UNKNOWN = N_(
    "%(name)s is not an image, PDF or text file. We accept pictures (JPEG, PNG, GIF, WebP, "
    "HEIC), PDF documents and plain text."
)
TOO_LARGE = N_("%(name)s is larger than %(limit)s MB. Please send a smaller file.")
TOO_MANY = N_("%(name)s was not added: you can attach up to %(limit)s files to one complaint.")
TOTAL_TOO_LARGE = N_(
    "%(name)s was not added: together your files would be larger than %(limit)s MB."
)
EMPTY = N_("%(name)s is empty. Please choose the file again.")


@dataclass(frozen=True)
class StagedFile:
    """An accepted file on disk, not yet (or already) attached to a case."""

    key: str
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class FileProblem:
    """Why a file was refused: a message id with ``%(name)s`` and its values."""

    filename: str
    message: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass
class Collected:
    files: list[StagedFile] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(f.size for f in self.files)


# -- paths --------------------------------------------------------------------------------------


def uploads_dir(data_dir: Path) -> Path:
    return data_dir / "uploads"


def stored_path(data_dir: Path, key: str) -> Path:
    if not _KEY.match(key):
        raise ValueError("not a storage key")
    return uploads_dir(data_dir) / key[:2] / key


def _staged_record(data_dir: Path, key: str) -> Path:
    return uploads_dir(data_dir) / "staged" / f"{key}.json"


# -- names and types ----------------------------------------------------------------------------


def display_filename(raw: str) -> str:
    """A file name safe to show and to send back: no folders, control or direction characters."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[: 110 - len(ext)]}…{dot}{ext}" if dot and len(ext) <= 10 else name[:120]
    return name or "attachment"


def _refusal(head: bytes) -> str:
    kind = filetype.guess(head)
    if kind is None:
        return _UNKNOWN
    for mimes, message in _LOOKS_LIKE:
        if kind.mime in mimes:
            return message
    if kind.mime.startswith(("video/", "audio/")):
        return _MEDIA
    if kind.mime.startswith("image/"):
        return _OTHER_IMAGE
    return _UNKNOWN


def sniff(head: bytes) -> str | None:
    """The content type we accept the file as, judged by its first bytes (never by its name)."""
    kind = filetype.guess(head)
    if kind is None:
        return None
    if kind.mime in ALLOWED_IMAGES:
        return ALLOWED_IMAGES[kind.mime]
    return PDF if kind.mime == PDF else ""


class _TextCheck:
    """Feeds chunks through a strict UTF-8 decoder; ``ok`` stays true only for plain text."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
        self.ok = True

    def feed(self, chunk: bytes, final: bool = False) -> None:
        if not self.ok:
            return
        try:
            text = self._decoder.decode(chunk, final=final)
        except UnicodeDecodeError:
            self.ok = False
            return
        if _TEXT_CONTROL.search(text):
            self.ok = False


# -- receiving ----------------------------------------------------------------------------------


def receive_file(
    data_dir: Path, filename: str, stream: BinaryIO, submission_id: str
) -> StagedFile | FileProblem:
    """Check one uploaded file and, if it is acceptable, store it as staged."""
    name = display_filename(filename)
    tmp_dir = uploads_dir(data_dir) / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = tmp_dir / secrets.token_hex(16)
    digest, size, head, text = hashlib.sha256(), 0, b"", _TextCheck()
    try:
        with tmp.open("xb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > MAX_FILE_BYTES:
                    return FileProblem(name, TOO_LARGE, {"limit": MAX_FILE_BYTES // MB})
                if len(head) < _HEAD:
                    head += chunk[: _HEAD - len(head)]
                digest.update(chunk)
                text.feed(chunk)
                out.write(chunk)
            text.feed(b"", final=True)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            return FileProblem(name, EMPTY)
        content_type = sniff(head)
        if content_type is None and text.ok:
            content_type = f"{TEXT}; charset=utf-8"
        if not content_type:
            return FileProblem(name, _refusal(head))
        key = secrets.token_urlsafe(24)
        final = stored_path(data_dir, key)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    staged = StagedFile(key, name, content_type, size, digest.hexdigest())
    record = _staged_record(data_dir, key)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(
        json.dumps({**staged.__dict__, "submission_id": submission_id, "at": time.time()}),
        encoding="utf-8",
    )
    return staged


def load_staged(data_dir: Path, keys: Sequence[str], submission_id: str) -> list[StagedFile]:
    """This form's staged files; unknown, used-up or other forms' keys are ignored."""
    found: list[StagedFile] = []
    for key in dict.fromkeys(keys):
        if not _KEY.match(key or ""):
            continue
        try:
            data = json.loads(_staged_record(data_dir, key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("submission_id") != submission_id or not stored_path(data_dir, key).exists():
            continue
        found.append(
            StagedFile(key, data["filename"], data["content_type"], data["size"], data["sha256"])
        )
    return found


def collect_attachments(
    data_dir: Path,
    *,
    submission_id: str,
    staged_keys: Sequence[str] = (),
    remove_keys: Sequence[str] = (),
    uploads: Sequence[tuple[str, BinaryIO]] = (),
) -> Collected:
    """Files kept from an earlier try plus new uploads, within the count and total-size limits.

    A file the customer asked to remove is only dropped from the list; the purge deletes it later,
    after checking that no case refers to it.
    """
    removed = set(remove_keys)
    result = Collected()
    for staged in load_staged(data_dir, staged_keys, submission_id):
        if staged.key not in removed and len(result.files) < MAX_FILES:
            result.files.append(staged)
    for filename, stream in uploads:
        name = display_filename(filename)
        if len(result.files) >= MAX_FILES:
            result.problems.append(FileProblem(name, TOO_MANY, {"limit": MAX_FILES}))
            continue
        outcome = receive_file(data_dir, filename, stream, submission_id)
        if isinstance(outcome, FileProblem):
            result.problems.append(outcome)
        elif result.total + outcome.size > MAX_TOTAL_BYTES:
            _delete_new(data_dir, outcome.key)
            result.problems.append(
                FileProblem(name, TOTAL_TOO_LARGE, {"limit": MAX_TOTAL_BYTES // MB})
            )
        else:
            result.files.append(outcome)
    return result


def _delete_new(data_dir: Path, key: str) -> None:
    """Remove a file received in this request that no case can refer to yet."""
    stored_path(data_dir, key).unlink(missing_ok=True)
    _staged_record(data_dir, key).unlink(missing_ok=True)


def settle(data_dir: Path, files: Iterable[StagedFile]) -> None:
    """After the case committed: its files are no longer staged (the files themselves stay)."""
    for staged in files:
        _staged_record(data_dir, staged.key).unlink(missing_ok=True)


def record_attachments(
    session: Session, case_id: int, event_id: int, files: Sequence[StagedFile], now: datetime
) -> None:
    """Attachment rows for ``files`` on one timeline event (intake, customer and agent alike).

    A file whose storage key is already attached — a racing request took it — is skipped: a file
    never belongs to two cases.
    """
    if not files:
        return
    keys = [f.key for f in files]
    taken = set(
        session.scalars(select(Attachment.storage_key).where(Attachment.storage_key.in_(keys)))
    )
    for staged in files:
        if staged.key in taken:
            continue
        session.add(
            Attachment(
                case_id=case_id,
                event_id=event_id,
                filename=staged.filename,
                content_type=staged.content_type,
                size=staged.size,
                sha256=staged.sha256,
                storage_key=staged.key,
                created_at=now,
            )
        )


def purge_abandoned_uploads(session: Session, data_dir: Path, older_than_seconds: float) -> int:
    """Delete staged files older than the given age that no case refers to; returns how many."""
    staged_dir = uploads_dir(data_dir) / "staged"
    if not staged_dir.is_dir():
        return 0
    cutoff = time.time() - older_than_seconds
    purged = 0
    for record in staged_dir.glob("*.json"):
        if record.stat().st_mtime > cutoff:
            continue
        key = record.stem
        in_use = session.scalar(select(Attachment.id).where(Attachment.storage_key == key))
        if in_use is None and _KEY.match(key):
            stored_path(data_dir, key).unlink(missing_ok=True)
            purged += 1
        record.unlink(missing_ok=True)
    return purged
