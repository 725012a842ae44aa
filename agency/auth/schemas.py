from __future__ import annotations

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationInfo, field_validator

from agency.auth.models import Role
from agency.kit.params import IdField

MIN_PASSWORD_LENGTH = 10


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


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
    client_id: IdField | None = None
    is_active: bool = False
    password: str = Field(default="", max_length=1024)

    @field_validator("client_id", mode="before")
    @classmethod
    def _blank_client(cls, value: object) -> object:
        return None if _strip(value) == "" else value

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
