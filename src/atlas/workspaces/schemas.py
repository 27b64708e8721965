"""Request and response bodies of workspaces, members and invitations."""

from __future__ import annotations

import re
import uuid
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    EmailStr,
    Field,
    StringConstraints,
)

from atlas.locales import DEFAULT_LOCALE, Locale, LocaleField
from atlas.roles.schemas import RoleName
from atlas.validation import Currency, PatchModel, StrictModel

InvitationStatus = Literal["pending", "accepted", "rejected", "canceled", "expired"]

SLUG_MAX_LENGTH = 48
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
# The guard reads a UUID-shaped reference as an id, so a slug may never look like one.
UUID_SHAPE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _not_uuid_shaped(slug: str) -> str:
    if UUID_SHAPE.match(slug):
        raise ValueError("a slug may not have the shape of a workspace id")
    return slug


def _known_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone '{name}' (use an IANA name like Europe/Paris)"
        ) from exc
    return name


def _lower(value: str) -> str:
    return value.strip().lower()


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Slug = Annotated[
    str,
    StringConstraints(min_length=1, max_length=SLUG_MAX_LENGTH, pattern=SLUG_PATTERN),
    AfterValidator(_not_uuid_shaped),
    Field(description="Lowercase letters, digits and single hyphens; at most 48 characters."),
]
TimeZone = Annotated[
    str, StringConstraints(min_length=1, max_length=64), AfterValidator(_known_timezone)
]
Month = Annotated[int, Field(ge=1, le=12)]
# The workspace as a seller; an empty text clears a detail.
LegalName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
SellerText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2_000)]
SellerTaxId = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]
Email = Annotated[EmailStr, AfterValidator(_lower)]
LOCALE_HELP = (
    "Dates and numbers on the pages of members who chose none: en-US, en-GB, de-DE or fr-FR."
)


class WorkspaceCreate(StrictModel):
    name: Name
    slug: Slug | None = Field(default=None, description="Made from the name when omitted.")
    base_currency: Currency = Field(default="USD", description="ISO 4217 code, e.g. EUR.")
    timezone: TimeZone = "UTC"
    fiscal_year_start_month: Month = 1
    locale: LocaleField = Field(default=DEFAULT_LOCALE, description=LOCALE_HELP)


class WorkspaceUpdate(PatchModel):
    """Only the fields sent are changed; none of them may be null."""

    name: Name | None = None
    slug: Slug | None = None
    base_currency: Currency | None = Field(default=None, description="ISO 4217 code, e.g. EUR.")
    timezone: TimeZone | None = None
    fiscal_year_start_month: Month | None = None
    locale: LocaleField | None = Field(default=None, description=LOCALE_HELP)
    legal_name: LegalName | None = Field(default=None, description="Printed on invoices.")
    address: SellerText | None = Field(default=None, description="Printed on invoices.")
    tax_id: SellerTaxId | None = Field(default=None, description="Printed on invoices.")
    bank_details: SellerText | None = Field(
        default=None, description="Printed on invoices: where to pay."
    )


class WorkspaceDelete(StrictModel):
    confirm: str = Field(description="The workspace's slug, to confirm the deletion.")


class Workspace(BaseModel):
    id: uuid.UUID
    name: str
    slug: str
    base_currency: str
    timezone: str
    fiscal_year_start_month: int
    locale: Locale = Field(description="Its members' pages show dates and numbers in it.")
    legal_name: str = Field(description="The seller's legal name ('' for the workspace's name).")
    address: str
    tax_id: str
    bank_details: str
    require_two_factor: bool = Field(
        description="Members must sign in with a second factor to work in it."
    )
    created_at: datetime
    updated_at: datetime
    role: str = Field(description="The caller's role in this workspace.")


class WorkspaceLogo(BaseModel):
    """The workspace's logo, printed on its invoices (its bytes are served at `url`)."""

    content_type: str = Field(description="image/png, image/jpeg or image/webp.")
    size_bytes: int
    sha256: str = Field(description="The SHA-256 of the image, in hex; it names its URL.")
    width: int
    height: int
    url: str = Field(description="Where members' browsers fetch the image (a page route).")
    updated_at: datetime

    def fitted(self, width: int, height: int) -> tuple[int, int]:
        """The logo's size shrunk (never grown) to fit a box of width by height."""
        scale = min(1.0, width / self.width, height / self.height)
        return max(1, round(self.width * scale)), max(1, round(self.height * scale))


@dataclass(frozen=True, slots=True)
class LogoContent:
    content: bytes
    content_type: str


class ActiveWorkspaceRequest(StrictModel):
    workspace: str | None = Field(
        description="Workspace id or slug; null clears the active workspace."
    )


class Member(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    email: str
    name: str
    role: str
    created_at: datetime


class MemberUpdate(StrictModel):
    role: RoleName = Field(description="A built-in or custom role.")


class OwnershipTransfer(StrictModel):
    member_id: uuid.UUID = Field(description="The member who becomes an owner.")


class InvitationCreate(StrictModel):
    email: Email
    role: RoleName = Field(default="member", description="A built-in or custom role.")


class Invitation(BaseModel):
    id: uuid.UUID
    workspace_id: uuid.UUID
    email: str
    role: str
    status: InvitationStatus = Field(description="Pending invitations past expiry read expired.")
    inviter_user_id: uuid.UUID | None
    expires_at: datetime
    created_at: datetime
    updated_at: datetime


class InvitationTokenAccept(StrictModel):
    token: str = Field(
        min_length=1, max_length=200, description="The token of the emailed invitation link."
    )


class ReceivedInvitation(BaseModel):
    """An invitation addressed to the signed-in user."""

    id: uuid.UUID
    workspace_id: uuid.UUID
    workspace_name: str
    workspace_slug: str
    role: str
    inviter_name: str | None
    expires_at: datetime
    created_at: datetime


# List filters


@dataclass(frozen=True)
class WorkspaceFilters:
    q: str | None = None
    sort: str | None = None


@dataclass(frozen=True)
class MemberFilters:
    role: str | None = None
    q: str | None = None
    sort: str | None = None


@dataclass(frozen=True)
class InvitationFilters:
    status: str | None = None
    q: str | None = None
    sort: str | None = None


class TwoFactorPolicy(BaseModel):
    required: bool = Field(description="Members must sign in with a second factor.")
    members_without_two_factor: list[Member] = Field(
        description="The members who cannot sign in with a second factor: with the policy on,"
        " they are refused (403 `two_factor_required`) until they turn it on."
    )


class TwoFactorPolicyUpdate(StrictModel):
    required: bool
