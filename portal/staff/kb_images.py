"""Images editors put into articles: judged by their content (never their name), stored under
``<data_dir>/kb-images/`` with a random name, served publicly at ``/kb-images/{name}``."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from portal.cases.attachments import display_filename, sniff
from portal.i18n import N_

MB = 1024 * 1024
MAX_IMAGE_BYTES = 5 * MB
# Images every browser shows; HEIC is accepted from customers but not shown on the web.
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
CONTENT_TYPES = {ext: mime for mime, ext in EXTENSIONS.items()}
NAME = re.compile(r"^[A-Za-z0-9_-]{22}\.(png|jpg|gif|webp)$")
URL_PREFIX = "/kb-images/"

NOT_AN_IMAGE = N_("%(name)s is not a picture we can show. Upload a PNG, JPEG, GIF or WebP image.")
TOO_LARGE = N_("%(name)s is larger than %(limit)s MB. Please upload a smaller image.")
EMPTY = N_("%(name)s is empty. Please choose the file again.")
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class StoredImage:
    name: str
    url: str
    alt: str

    @property
    def markdown(self) -> str:
        alt = self.alt.replace("[", "(").replace("]", ")")
        return f"![{alt}]({self.url})"


@dataclass(frozen=True)
class ImageProblem:
    message: str
    params: dict[str, object]


def images_dir(data_dir: Path) -> Path:
    return data_dir / "kb-images"


def image_path(data_dir: Path, name: str) -> Path | None:
    """The file behind a public image name, or None for anything that is not one of ours."""
    if not NAME.match(name):
        return None
    path = images_dir(data_dir) / name
    return path if path.is_file() else None


def content_type(name: str) -> str:
    return CONTENT_TYPES[name.rsplit(".", 1)[1]]


def store_image(
    data_dir: Path, filename: str, stream: BinaryIO, alt: str = ""
) -> StoredImage | ImageProblem:
    """Check and keep one uploaded image; the alt text defaults to the file's name."""
    shown = display_filename(filename)
    folder = images_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{secrets.token_hex(16)}.tmp"
    size, head = 0, b""
    try:
        with tmp.open("xb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > MAX_IMAGE_BYTES:
                    return ImageProblem(TOO_LARGE, {"name": shown, "limit": MAX_IMAGE_BYTES // MB})
                if len(head) < 8192:
                    head += chunk[: 8192 - len(head)]
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            return ImageProblem(EMPTY, {"name": shown})
        kind = sniff(head)
        if kind not in EXTENSIONS:
            return ImageProblem(NOT_AN_IMAGE, {"name": shown})
        name = f"{secrets.token_urlsafe(16)}.{EXTENSIONS[kind]}"
        os.replace(tmp, folder / name)
    finally:
        tmp.unlink(missing_ok=True)
    stem = shown.rsplit(".", 1)[0] if "." in shown else shown
    text = " ".join(alt.split()) or stem
    return StoredImage(name=name, url=URL_PREFIX + name, alt=text[:200])
