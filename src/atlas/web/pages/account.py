"""Pages of the account area: the account and its sessions, and the invitations I received."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query
from fastapi.responses import Response

from atlas.config import Settings
from atlas.errors import NotFound
from atlas.identity import passkeys, two_factor
from atlas.identity import schemas as identity_schemas
from atlas.identity import service as identity
from atlas.limits.dependencies import check_auth_limit, limit
from atlas.pagination import PageParams
from atlas.web import forms
from atlas.web.access import SignedInPage
from atlas.web.i18n import N_
from atlas.web.render import PageContext
from atlas.web.routing import page_router
from atlas.workspaces import service as workspaces

router = page_router()


# --- the account --------------------------------------------------------------------------


PASSWORD_FORM = {"revoke_other_sessions": "true"}


# How a session was opened, in words (identity.tables.AUTHENTICATED_BY).
SIGNED_IN_WITH = {
    "password": N_("Password"),
    "password+totp": N_("Password and app code"),
    "password+backup_code": N_("Password and backup code"),
    "passkey": N_("Passkey"),
}


async def _account_page(
    page: PageContext,
    form: dict[str, Any],
    errors: forms.FormErrors | None,
    status: int = 200,
    *,
    locale_form: dict[str, Any] | None = None,
    locale_errors: forms.FormErrors | None = None,
    two_factor_errors: forms.FormErrors | None = None,
) -> Response:
    sessions = await identity.list_sessions(page.user, page.db)
    info = await identity.session_info(page.user, page.db, None)
    return await page.render(
        "account/account.html",
        status_code=status,
        sessions=sessions,
        signed_in_with={key: page._(label) for key, label in SIGNED_IN_WITH.items()},
        email_verified=info.user.email_verified,
        form=form,
        errors=errors,
        locale_form=locale_form or {"locale": info.user.locale},
        locale_errors=locale_errors,
        two_factor=await two_factor.status(page.user, page.db),
        passkeys=await passkeys.list_passkeys(page.user, page.db),
        two_factor_errors=two_factor_errors,
    )


@router.get("/account")
async def account(page: SignedInPage) -> Response:
    return await _account_page(page, PASSWORD_FORM, None)


@router.post("/account/locale")
async def change_locale(page: SignedInPage) -> Response:
    """The locale of the user's pages; the empty choice follows each workspace's."""
    form = await forms.read_form(page.request)
    try:
        data = forms.parse(identity_schemas.UserUpdate, {"locale": None, **form})
        await forms.run(page.db, lambda: identity.update_my_account(page.user, page.db, data))
    except forms.FormErrors as errors:
        return await _account_page(
            page, PASSWORD_FORM, None, 422, locale_form=form, locale_errors=errors
        )
    return page.redirect("/account", page._("Dates and numbers saved."))


@router.post("/account/verification", dependencies=[Depends(limit("verification-email"))])
async def resend_verification(page: SignedInPage) -> Response:
    """A new verification link by email (the API's route and limit)."""
    settings: Settings = page.request.app.state.settings
    try:
        await forms.run(page.db, lambda: identity.resend_verification(page.user, page.db, settings))
    except forms.FormErrors as errors:
        return page.redirect("/account", errors.message, kind="error")
    message = page._("A new verification link is on its way to %(email)s.", email=page.user.email)
    return page.redirect("/account", message)


@router.post("/account/sessions/{session_id}/revoke")
async def revoke_session(page: SignedInPage, session_id: uuid.UUID) -> Response:
    await identity.revoke_session(page.user, page.db, session_id)
    if session_id == page.user.session_id:
        return page.redirect("/sign-in", page._("You are signed out."))
    return page.redirect("/account", page._("Session revoked."))


@router.post("/account/sessions/revoke-others")
async def revoke_other_sessions(page: SignedInPage) -> Response:
    count = await identity.revoke_other_sessions(page.user, page.db)
    message = page.ngettext(
        "Signed out %(count)d other session.", "Signed out %(count)d other sessions.", count
    )
    return page.redirect("/account", message)


@router.post("/account/password")
async def change_password(page: SignedInPage) -> Response:
    # The form sends a hidden "false" before the checkbox: an unticked box reads false.
    form = await forms.read_form(page.request)
    settings: Settings = page.request.app.state.settings
    try:
        data = forms.parse(identity_schemas.ChangePassword, form)
        await forms.run(
            page.db, lambda: identity.change_password(page.user, page.db, settings, data)
        )
    except forms.FormErrors as errors:
        return await _account_page(page, form, errors, 422)
    return page.redirect("/account", page._("Password changed."))


# --- two-factor authentication ------------------------------------------------------------


def _keys(page: PageContext) -> two_factor.TwoFactorKeys:
    keys: two_factor.TwoFactorKeys = page.request.app.state.two_factor
    return keys


async def _two_factor_refused(page: PageContext, errors: forms.FormErrors) -> Response:
    """The account page again, the two-factor form's errors shown on it."""
    return await _account_page(page, PASSWORD_FORM, None, errors.status, two_factor_errors=errors)


@router.post("/account/two-factor/setup")
async def set_up_two_factor(page: SignedInPage) -> Response:
    """The password again, then the QR code and the key of a new secret."""
    form = await forms.read_form(page.request)
    try:
        data = forms.parse(identity_schemas.PasswordConfirmation, form)
        setup = await forms.run(
            page.db, lambda: two_factor.begin_setup(page.user, page.db, _keys(page), data)
        )
    except forms.FormErrors as errors:
        return await _two_factor_refused(page, errors)
    return await page.render("account/two_factor_setup.html", setup=setup, errors=None)


@router.post("/account/two-factor/enable")
async def enable_two_factor(page: SignedInPage) -> Response:
    """The app's first code turns two-factor on; the backup codes are shown once."""
    form = await forms.read_form(page.request)
    try:
        data = forms.parse(identity_schemas.CodeConfirmation, form)
        codes = await forms.run(
            page.db, lambda: two_factor.enable(page.user, page.db, _keys(page), data)
        )
    except forms.FormErrors as errors:
        setup = await two_factor.pending_setup(page.user, page.db, _keys(page))
        if setup is None:  # turned on meanwhile, or never set up
            return page.redirect("/account#two-factor", errors.message, kind="error")
        return await page.render(
            "account/two_factor_setup.html", status_code=errors.status, setup=setup, errors=errors
        )
    return await page.render("account/backup_codes.html", codes=codes.backup_codes)


@router.post("/account/two-factor/backup-codes")
async def regenerate_backup_codes(page: SignedInPage) -> Response:
    form = await forms.read_form(page.request)
    try:
        data = forms.parse(identity_schemas.PasswordAndCode, form)
        codes = await forms.run(
            page.db,
            lambda: two_factor.regenerate_backup_codes(page.user, page.db, _keys(page), data),
        )
    except forms.FormErrors as errors:
        return await _two_factor_refused(page, errors)
    return await page.render("account/backup_codes.html", codes=codes.backup_codes)


@router.post("/account/two-factor/disable")
async def disable_two_factor(page: SignedInPage) -> Response:
    form = await forms.read_form(page.request)
    try:
        data = forms.parse(identity_schemas.PasswordAndCode, form)
        await forms.run(page.db, lambda: two_factor.disable(page.user, page.db, _keys(page), data))
    except forms.FormErrors as errors:
        return await _two_factor_refused(page, errors)
    return page.redirect("/account#two-factor", page._("Two-factor authentication is off."))


@router.post("/account/passkeys/{passkey_id}/rename")
async def rename_passkey(page: SignedInPage, passkey_id: uuid.UUID) -> Response:
    await passkeys.get_passkey(page.user, page.db, passkey_id)  # another's: the 404 page
    form = await forms.read_form(page.request)
    try:
        data = forms.parse(identity_schemas.PasskeyRename, form)
        await forms.run(page.db, lambda: passkeys.rename(page.user, page.db, passkey_id, data))
    except forms.FormErrors as errors:
        return page.redirect("/account#passkeys", errors.message, kind="error")
    return page.redirect("/account#passkeys", page._("The passkey is renamed."))


@router.post("/account/passkeys/{passkey_id}/remove")
async def remove_passkey(page: SignedInPage, passkey_id: uuid.UUID) -> Response:
    await passkeys.remove(page.user, page.db, passkey_id)
    return page.redirect("/account#passkeys", page._("The passkey is removed."))


# --- invitations I received ---------------------------------------------------------------

Token = Annotated[str, Query(max_length=200)]


async def _verify_first(page: PageContext) -> Response:
    return await page.render("account/verify_first.html", status_code=403)


@router.get("/invitations")
async def received_invitations(page: SignedInPage, paging: PageParams) -> Response:
    try:
        result = await workspaces.list_received_invitations(page.user, page.db, paging)
    except workspaces.EmailNotVerified:
        return await _verify_first(page)
    return await page.render("account/invitations.html", result=result)


@router.get("/invitations/accept")
async def accept_invitation_link(page: SignedInPage, token: Token) -> Response:
    """The emailed link. Following it signed in as the invited, verified address accepts:
    the token is the invitee's secret and works once, and a mail scanner that opens the
    link has no session of theirs (signed out, it leads to sign-in and back here)."""
    await check_auth_limit(page.request, "email-token", None)
    try:
        joined = await forms.run(
            page.db, lambda: workspaces.accept_invitation_by_token(page.user, page.db, token)
        )
    except workspaces.EmailNotVerified:
        return await _verify_first(page)
    except NotFound:
        return await page.render("account/invitation_link.html", status_code=404, expired=False)
    except forms.FormErrors as errors:  # the one refusal left: the invitation expired
        return await page.render(
            "account/invitation_link.html", status_code=errors.status, expired=True
        )
    return page.redirect(f"/w/{joined.slug}/", page._("Welcome to %(name)s!", name=joined.name))


@router.get("/invitations/{invitation_id}")
async def received_invitation(page: SignedInPage, invitation_id: uuid.UUID) -> Response:
    try:
        invitation = await workspaces.get_received_invitation(page.user, page.db, invitation_id)
    except workspaces.EmailNotVerified:
        return await _verify_first(page)
    return await page.render("account/invitation.html", invitation=invitation)


@router.post("/invitations/{invitation_id}/accept")
async def accept_invitation(page: SignedInPage, invitation_id: uuid.UUID) -> Response:
    try:
        joined = await forms.run(
            page.db, lambda: workspaces.accept_invitation(page.user, page.db, invitation_id)
        )
    except forms.FormErrors as errors:
        return page.redirect("/invitations", errors.message, "error")
    return page.redirect(f"/w/{joined.slug}/", page._("Welcome to %(name)s!", name=joined.name))


@router.post("/invitations/{invitation_id}/decline")
async def decline_invitation(page: SignedInPage, invitation_id: uuid.UUID) -> Response:
    try:
        await forms.run(
            page.db, lambda: workspaces.reject_invitation(page.user, page.db, invitation_id)
        )
    except forms.FormErrors as errors:
        return page.redirect("/invitations", errors.message, "error")
    return page.redirect("/invitations", page._("Invitation declined."))
