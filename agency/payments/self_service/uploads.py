"""The file a consumer may send with a written dispute: a PDF, a JPEG or a PNG of at most
5 MiB, known by its first bytes (never by its name or the type the browser claims),
kept with the case (``ConsumerUpload``)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from sqlalchemy.orm import Session

from agency.kit.bodies import Limit
from agency.payments.models import ConsumerUpload

MAX_BYTES = 5 * 1024 * 1024
# The dispute form's body: the file and the form around it (the reason and the token).
DISPUTE_ROUTE = re.compile(r"/pay/[^/]+/dispute")
DISPUTE_LIMIT = Limit(MAX_BYTES + 256 * 1024, "The file is larger than 5 MB.")
MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


class UploadRefused(ValueError):
    """``reason``: ``file_too_large`` or ``file_kind`` (the catalogue's keys)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def kind_of(content: bytes) -> tuple[str, str]:
    """(content type, extension) of an accepted file, or ``UploadRefused``."""
    if len(content) > MAX_BYTES:
        raise UploadRefused("file_too_large")
    for magic, content_type, extension in MAGIC:
        if content.startswith(magic):
            return content_type, extension
    raise UploadRefused("file_kind")


def safe_name(name: str, extension: str) -> str:
    """The file's name as kept: letters, digits, dots, dashes; its real extension."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", plain.rsplit(".", 1)[0]).strip("._")[:150]
    return f"{stem or 'document'}{extension}"


def keep(db: Session, *, case_id: int, name: str, content: bytes, note: str) -> ConsumerUpload:
    """Keep an accepted file with the case (``kind_of`` first)."""
    content_type, extension = kind_of(content)
    upload = ConsumerUpload(
        case_id=case_id,
        filename=safe_name(name, extension),
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        note=note,
    )
    db.add(upload)
    db.flush()
    return upload
