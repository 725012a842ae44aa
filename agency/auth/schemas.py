from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationInfo, field_validator

from agency.auth.models import Role
from agency.kit.forms import BlankIsNone
from agency.kit.params import IdField
from agency.kit.phones import parse_phone
from agency.kit.timezones import user_zone_names

MIN_PASSWORD_LENGTH = 10


class LoginForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)
    next: str = Field(default="", max_length=2000)


class UserForm(BaseModel):
    """Create or edit a user.  On edit an empty password keeps the current one."""

    model_config = ConfigDict(str_strip_whitespace=True)

    email: EmailStr
    full_name: str = Field(min_length=1, max_length=120)
    role: Role
    client_id: Annotated[IdField | None, BlankIsNone] = None
    is_active: bool = False
    password: str = Field(default="", max_length=1024)

    @field_validator("client_id")
    @classmethod
    def _client_for_merchants_only(cls, value: int | None, info: ValidationInfo) -> int | None:
        # Checked with the other fields (the role is validated before), so a form's
        # errors come back together; whether the client exists is the service's to say.
        role = info.data.get("role")
        if role is Role.MERCHANT and value is None:
            raise ValueError("is required for a merchant user")
        if role is not None and role is not Role.MERCHANT and value is not None:
            raise ValueError("must be left empty: only merchant users belong to a client")
        return value

    @field_validator("password")
    @classmethod
    def _password_length(cls, value: str) -> str:
        if value and len(value) < MIN_PASSWORD_LENGTH:
            raise ValueError(f"must be at least {MIN_PASSWORD_LENGTH} characters")
        return value


class NewUserForm(UserForm):
    """Create a user: the password is required."""

    password: str = Field(min_length=1, max_length=1024)


def _new_password(value: str) -> str:
    if len(value) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"must be at least {MIN_PASSWORD_LENGTH} characters")
    return value


class NewPasswordForm(BaseModel):
    """A new password, typed twice (a reset link's form)."""

    new_password: str = Field(max_length=1024)
    new_password_again: str = Field(max_length=1024)

    _length = field_validator("new_password")(_new_password)

    @field_validator("new_password_again")
    @classmethod
    def _same_twice(cls, value: str, info: ValidationInfo) -> str:
        if "new_password" in info.data and value != info.data["new_password"]:
            raise ValueError("does not match the new password")
        return value


class PasswordChangeForm(NewPasswordForm):
    """Change one's own password: the current one, then the new one twice."""

    current_password: str = Field(min_length=1, max_length=1024)


class TimeZoneForm(BaseModel):
    """The zone a user's screens show times in; blank: the agency's (the select always
    sends the field, blank included)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    time_zone: str = Field(max_length=64)

    @field_validator("time_zone")
    @classmethod
    def _known(cls, value: str) -> str:
        if value and value not in user_zone_names():
            raise ValueError("is not one of the listed time zones")
        return value


class PhoneForm(BaseModel):
    """The phone click-to-call rings for this user (E.164 once read; a number written
    without a country code is taken as a US one); blank: none."""

    model_config = ConfigDict(str_strip_whitespace=True)

    phone: str = Field(max_length=32)

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str) -> str:
        if not value:
            return value
        parsed = parse_phone(value, "US")
        if parsed is None:
            raise ValueError("is not a phone number (write it as +13125550100)")
        return parsed.e164
