"""HTML form handling: parse into a pydantic schema, or collect errors per field.

Views re-render the form with ``errors`` (field name -> message) and status 422; services
raise ``FormError`` for rules a schema cannot check alone (uniqueness, references), or
``FieldRefusal`` for one field named in words ("date: cannot be in the past").
``BlankIsNone`` makes a field left blank (a page posts every control) no value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, BeforeValidator, ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from agency.kit.errors import ResponseError

Schema = TypeVar("Schema", bound=BaseModel)
T = TypeVar("T")


class FormError(Exception):
    """Business validation failed; ``errors`` maps field names to readable messages
    (``"__all__"``: a message about the whole form)."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = dict(errors)


class FieldRefusal(FormError):
    """A service's refusal about one field: ``subject`` names it as the sentence does
    ("date"), ``message`` says why ("cannot be in the past").

    ``str()`` is the two as one line ("date: cannot be in the past"); ``errors`` holds
    that line as a sentence for the whole form ("Date: cannot be in the past") and
    ``message`` on ``control``, the form's field that shows it, when there is one.
    """

    def __init__(self, subject: str, message: str, *, control: str | None = None) -> None:
        line = f"{subject}: {message}"
        errors = {"__all__": line[:1].upper() + line[1:]}
        if control is not None:
            errors[control] = message
        super().__init__(errors)
        self.subject = subject
        self.message = message

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"


def blank_to_none(value: object) -> object:
    """A form's text left blank (empty or only spaces) is no value."""
    return None if isinstance(value, str) and not value.strip() else value


# A field a blank control leaves at None: ``Annotated[date | None, BlankIsNone] = None``.
BlankIsNone = BeforeValidator(blank_to_none)


_PHRASES = {
    "missing": "is required",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "greater_than": "must be more than {gt}",
    "less_than": "must be less than {lt}",
    "decimal_parsing": "must be a number",
    "decimal_type": "must be a number",
    "decimal_max_places": "may have at most {decimal_places} decimal places",
    "decimal_max_digits": "may have at most {max_digits} digits",
    "int_parsing": "must be a whole number",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "date_parsing": "must be a date (YYYY-MM-DD)",
    "string_too_long": "must be at most {max_length} characters",
    "enum": "must be one of: {expected}",
    "bool_parsing": "must be yes or no",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "string_type": "must be text",
    "list_type": "must be a list",
    "too_long": "may hold at most {max_length} entries",
    "too_short": "needs at least {min_length}",
    "date_type": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "must be a date (YYYY-MM-DD)",
    "datetime_parsing": "must be a date and time (YYYY-MM-DD HH:MM)",
    "datetime_from_date_parsing": "must be a date and time (YYYY-MM-DD HH:MM)",
    "datetime_type": "must be a date and time (YYYY-MM-DD HH:MM)",
    "multiple_of": "must be a multiple of {multiple_of}",
}
# Messages of pydantic's e-mail check, whatever the reason it gives.
_EMAIL_ERROR = "value is not a valid email address"
EMAIL_PHRASE = "must be an e-mail address, such as name@example.com"
# A pattern only a programmer can read: the field's description says what it wants.
PATTERN_FALLBACK = "is not in a form this field accepts"


def phrase(error: Mapping[str, Any], description: str | None = None) -> str:
    """A short phrase that reads after the field's label: "Rate must be at most 100".

    ``description`` is the field's own (``Field(description="a two-letter code, such as
    US")``): what a pattern the field must match means to a person.
    """
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    given = error.get("input")
    if kind == "string_too_short" and context.get("min_length") == 1:
        return "is required"
    if kind == "string_pattern_mismatch":
        return f"must be {description}" if description else PATTERN_FALLBACK
    if str(error.get("msg", "")).startswith(_EMAIL_ERROR):
        return "is required" if isinstance(given, str) and not given.strip() else EMAIL_PHRASE
    if kind == "enum":  # pydantic quotes each choice: 'new', 'active' or 'paid'
        context = {**context, "expected": str(context.get("expected", "")).replace("'", "")}
    if kind in _PHRASES:
        try:
            return _PHRASES[kind].format(**context)
        except (KeyError, IndexError):
            pass
    message = str(error.get("msg", "is invalid"))
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if message.startswith("Input should be "):  # pydantic's wording of any other type
        message = "must be " + message.removeprefix("Input should be ")
    return message[:1].lower() + message[1:]


def errors_by_field(exc: ValidationError, schema: type[BaseModel] | None = None) -> dict[str, str]:
    """First error message per field, keyed by the form field name (an entry of a list
    field counts as the field)."""
    fields = schema.model_fields if schema is not None else {}
    errors: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "__all__"
        info = fields.get(name)
        errors.setdefault(name, phrase(error, info.description if info else None))
    return errors


def form_values(form: FormData) -> dict[str, str]:
    """The submitted values as plain strings (the last one wins for repeated names)."""
    return {key: value for key, value in form.items() if isinstance(value, str)}


def parse(schema: type[Schema], values: Mapping[str, str]) -> Schema:
    """Validate ``values`` against ``schema``; raise FormError with per-field messages."""
    try:
        return schema.model_validate(dict(values))
    except ValidationError as exc:
        raise FormError(errors_by_field(exc, schema)) from exc


async def read_form(request: Request) -> FormData:
    """The posted form (read once per request, then kept by Starlette).

    Reading is network I/O, done on the event loop; everything that touches the database
    runs afterwards in the endpoint, a plain ``def`` in the thread pool (design.md §3
    rule 8).  At most one file, and only the upload route keeps a large body (the
    request body limit is enforced while reading, by ``agency.kit.bodies``).
    """
    form = await request.form(max_files=1, max_fields=MAX_FIELDS)
    for name, value in form.multi_items():
        if "\x00" in name or (isinstance(value, str) and "\x00" in value):
            raise RequestValidationError(
                [{"type": "value_error", "loc": ("body", name[:60]), "msg": NUL_REFUSED}]
            )
    return form


# Every control of the widest form (a file's column mapping) and then some.
MAX_FIELDS = 1000
NUL_REFUSED = "contains a NUL character, which no field may hold"
PostedForm = Annotated[FormData, Depends(read_form)]


def submit(
    posted: FormData,
    schema: type[Schema],
    save: Callable[[Schema], T],
    form: Callable[[dict[str, str], dict[str, str]], Response],
) -> T:
    """Parse the posted form into ``schema`` and ``save`` it.

    On any FormError (a bad field, or a rule the service enforces) the form is rendered
    again by ``form(values, errors)`` with status 422, and the request is aborted so its
    transaction rolls back: nothing the service flushed before refusing is kept.
    """
    values = form_values(posted)
    return or_refuse(lambda: save(parse(schema, values)), lambda exc: form(values, exc.errors))


def or_refuse(do: Callable[[], T], page: Callable[[FormError], Response]) -> T:
    """``do()``, or, on its FormError, answer ``page(error)`` with status 422 and abort
    the request (its transaction rolls back)."""
    try:
        return do()
    except FormError as exc:
        response = page(exc)
        response.status_code = 422
        raise ResponseError(response) from exc
