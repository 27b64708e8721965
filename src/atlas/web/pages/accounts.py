"""Pages of the chart of accounts: the tree, and an account's form to add, rename, move,
deactivate or delete it.

The tree shows every account under its group, inactive ones marked. The forms post the
API's fields; the service and the database refuse what postings, children or a system
role forbid, and their refusals show on the form.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends
from fastapi.responses import Response

from atlas.ledger import schemas, service
from atlas.web import forms, lists
from atlas.web.access import workspace_page
from atlas.web.render import PageContext, labelled
from atlas.web.routing import page_router

router = page_router()

LedgerRead = Annotated[PageContext, Depends(workspace_page("ledger:read"))]
AccountsManage = Annotated[PageContext, Depends(workspace_page("accounts:manage"))]

TYPES = [(t.value, t.value.capitalize()) for t in service.AccountType]
TEXT_FIELDS = ("code", "name", "type", "description")
FLAGS = ("is_group", "is_active")


def _flattened(nodes: list[schemas.AccountNode], depth: int = 0) -> list[tuple[int, Any]]:
    """(depth, account) of the tree in its order, each account before those under it."""
    rows: list[tuple[int, Any]] = []
    for node in nodes:
        rows.append((depth, node))
        rows.extend(_flattened(node.children, depth + 1))
    return rows


@router.get("/w/{workspace_ref}/accounts")
async def chart(page: LedgerRead) -> Response:
    tree = await service.account_tree(page.ws, page.db)
    return await page.render("ledger/accounts.html", rows=_flattened(tree))


ACCOUNT_COLUMNS: list[lists.Column[lists.Named[schemas.Account]]] = [
    lists.Column("Code", lambda r: r.item.code),
    lists.Column("Name", lambda r: r.item.name),
    lists.Column("Type", lambda r: labelled(r.item.type)),
    lists.Column("Group", lambda r: lists.yes_no(r.item.is_group)),
    lists.Column("Under", lambda r: r.name(r.item.parent_id)),
    lists.Column("Role", lambda r: labelled(r.item.system_role)),
    lists.Column("Currency", lambda r: r.item.currency),
    lists.Column("Active", lambda r: lists.yes_no(r.item.is_active)),
    lists.Column("Description", lambda r: r.item.description),
]


@lists.csv_route(router, "/w/{workspace_ref}/accounts.csv")
async def chart_csv(page: LedgerRead) -> Response:
    """The chart in the page's order (each group before the accounts under it), the group
    an account is under named by its code."""
    accounts = [account for _, account in _flattened(await service.account_tree(page.ws, page.db))]
    codes = {account.id: account.code for account in accounts}

    async def the_chart() -> AsyncIterator[list[lists.Named[schemas.Account]]]:
        yield [lists.Named(account, codes) for account in accounts]

    return await lists.download("accounts", ACCOUNT_COLUMNS, the_chart())


async def _groups(page: PageContext, account: schemas.Account | None) -> list[tuple[str, str]]:
    """The groups an account may sit under: all but itself and those under it."""
    rows = _flattened(await service.account_tree(page.ws, page.db))
    below: set[uuid.UUID] = set()
    if account is not None:
        below.add(account.id)
        for _, node in rows:
            if node.parent_id in below:
                below.add(node.id)
    return [
        (str(node.id), f"{node.code} · {node.name} ({node.type})")
        for _, node in rows
        if node.is_group and node.id not in below
    ]


async def _form(
    page: PageContext,
    form: forms.FormData,
    errors: forms.FormErrors | None = None,
    account: schemas.Account | None = None,
) -> Response:
    return await page.render(
        "ledger/account_form.html",
        status_code=errors.status if errors else 200,
        form=form,
        errors=errors,
        account=account,
        types=TYPES,
        groups=await _groups(page, account),
    )


def _fields(form: forms.FormData) -> dict[str, Any]:
    """The form's values as the API's: blank parent and currency are none, a box left
    unticked is false."""
    fields: dict[str, Any] = {k: form.get(k, "") for k in TEXT_FIELDS}
    fields["parent_id"] = form.get("parent_id") or None
    fields["currency"] = form.get("currency") or None
    fields.update({k: form.get(k) == "true" for k in FLAGS})
    return fields


@router.get("/w/{workspace_ref}/accounts/new")
async def new_account_form(page: AccountsManage, parent_id: uuid.UUID | None = None) -> Response:
    form: forms.FormData = {"type": service.AccountType.EXPENSE.value}
    if parent_id is not None:
        parent = await service.get_account(page.ws, page.db, parent_id)
        form = {"type": parent.type.value, "parent_id": str(parent.id)}
    return await _form(page, form)


@router.post("/w/{workspace_ref}/accounts/new")
async def create_account(page: AccountsManage) -> Response:
    form = await forms.read_form(page.request)
    try:
        fields = _fields(form)
        del fields["is_active"]  # a new account is active
        data = forms.parse(schemas.AccountCreate, fields)
        created = await forms.run(page.db, lambda: service.create_account(page.ws, page.db, data))
    except forms.FormErrors as errors:
        return await _form(page, form, errors)
    return page.redirect(
        page.url("/accounts"),
        page._("Account %(code)s · %(name)s added.", code=created.code, name=created.name),
    )


def _stored(account: schemas.Account) -> forms.FormData:
    values = account.model_dump(mode="json")
    form = {k: values[k] or "" for k in (*TEXT_FIELDS, "parent_id", "currency")}
    form.update({k: "true" for k in FLAGS if values[k]})
    return form


@router.get("/w/{workspace_ref}/accounts/{account_id}/edit")
async def edit_account_form(page: AccountsManage, account_id: uuid.UUID) -> Response:
    account = await service.get_account(page.ws, page.db, account_id)
    return await _form(page, _stored(account), account=account)


@router.post("/w/{workspace_ref}/accounts/{account_id}/edit")
async def update_account(page: AccountsManage, account_id: uuid.UUID) -> Response:
    account = await service.get_account(page.ws, page.db, account_id)
    form = await forms.read_form(page.request)
    stored = _fields(_stored(account))
    try:
        # Only what changed: an account with postings may be renamed though its type
        # and kind stay.
        changes = {k: v for k, v in _fields(form).items() if v != stored[k]}
        data = forms.parse(schemas.AccountUpdate, changes)
        updated = await forms.run(
            page.db, lambda: service.update_account(page.ws, page.db, account_id, data)
        )
    except forms.FormErrors as errors:
        return await _form(page, form, errors, account)
    return page.redirect(
        page.url("/accounts"),
        page._("Account %(code)s · %(name)s saved.", code=updated.code, name=updated.name),
    )


@router.post("/w/{workspace_ref}/accounts/{account_id}/delete")
async def delete_account(page: AccountsManage, account_id: uuid.UUID) -> Response:
    account = await service.get_account(page.ws, page.db, account_id)
    try:
        await forms.run(page.db, lambda: service.delete_account(page.ws, page.db, account_id))
    except forms.FormErrors as errors:
        return await _form(page, _stored(account), errors, account)
    return page.redirect(
        page.url("/accounts"),
        page._("Account %(code)s · %(name)s deleted.", code=account.code, name=account.name),
    )
