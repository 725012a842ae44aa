"""Outreach's forms as posted by its admin screens: a template's settings and words (the
editor), the template list's filters, and a client's sender profile."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, EmailStr, Field

from agency.kit.forms import BlankIsNone
from agency.outreach.models import MessageChannel
from agency.outreach.templating import MAX_HTML, Language

MAX_NUMBERS = 50
"""The most numbers a client's pool of texting numbers may hold."""


def _lines(value: object) -> object:
    """A textarea's text with the browser's CRLF line ends as LF (a text's segments count
    what is sent, and Twilio sends LF)."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


Words = Annotated[str, BeforeValidator(_lines), Field(max_length=MAX_HTML)]


class TemplateListQuery(BaseModel):
    """The template list's filters (blank values never arrive: ``kit.params``)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", frozen=True)

    channel: MessageChannel | None = None
    language: Language | None = None


class TemplateSettings(BaseModel):
    """What a template is, besides its words: the "New template" form and the editor."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    title: str = Field(min_length=1, max_length=120)
    segment_limit: Annotated[int | None, BlankIsNone] = Field(default=None, ge=1, le=10)
    first_contact: bool = False
    suit_notice: bool = False


class TemplateName(BaseModel):
    """Which template: its key, channel and language (fixed once it is saved)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    key: str = Field(
        min_length=1,
        max_length=40,
        pattern=r"^[a-z0-9][a-z0-9-]*$",
        description="lower-case letters, digits and dashes, such as payment-reminder",
    )
    channel: MessageChannel
    language: Language


class NewTemplate(TemplateName, TemplateSettings):
    """The "New template" form: which template, and its settings."""


class TemplateWords(BaseModel):
    """The editor's words, the version note and the case to preview against.  A part the
    channel does not have is not posted (None)."""

    model_config = ConfigDict(extra="ignore")

    subject: Annotated[str | None, BeforeValidator(_lines)] = Field(default=None, max_length=500)
    body: Words = ""
    html: Words | None = None
    why: str = Field(default="", max_length=500)
    preview_case: str = Field(default="", max_length=64)


class SenderForm(BaseModel):
    """A client's sender profile: e-mail From and Reply-To, and its numbers for texts,
    one per line (``senders.pool`` reads and checks them)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    email_from_name: str = Field(min_length=1, max_length=120)
    email_from_address: EmailStr = Field(max_length=320)
    reply_to: Annotated[EmailStr | None, BlankIsNone] = Field(default=None, max_length=320)
    sms_numbers: str = Field(default="", max_length=MAX_NUMBERS * 40)
