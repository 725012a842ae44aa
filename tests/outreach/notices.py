"""What the validation notice tests share: the contract's example description, and the
text of a PDF as a text extractor reads it."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

from pypdf import PdfReader

# The example of shared/validation-notice.md, as given there.
EXAMPLE = Path(__file__).parent / "notices" / "example.json"
_EXAMPLE: dict[str, Any] = json.loads(EXAMPLE.read_text())


def example() -> dict[str, Any]:
    """A fresh copy of the example description, to change in a test."""
    return copy.deepcopy(_EXAMPLE)


def pdf_text(pdf: bytes) -> str:
    """Every page's text with each run of whitespace (line breaks, the no-break space
    between an amount and its currency) as one space."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def pdf_pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)
