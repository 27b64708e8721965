"""Manual journal entries on the web: the entry form with its live balance, drafts kept
and posted later, and the reversal of a posted manual entry from its page.

Lines are repeated fields (`atlas.web.lines`: `lines-0-account_id`, `lines-0-debit`,
…). The account of each line is a choice of the active ledger accounts
(`choices.POSTING_ACCOUNTS`). The live balance adds the lines' debits and credits as
the API reads them; the service checks the rest when the entry posts (or, for a draft,
its lines' sides and accounts) and its refusals show on the form with what was typed.
"""

from __future__ import annotations

import dataclasses
import uuid
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from atlas.clock import business_day
from atlas.ledger import schemas, service
from atlas.pagination import PageParams, pages
from atlas.web import bulk, forms, lists
from atlas.web.access import workspace_page
from atlas.web.lines import ADD_LINE, Line, RepeatedLines
from atlas.web.pages import choices, ledger
from atlas.web.render import PageContext
from atlas.web.routing import page_router

router = page_router()

LedgerRead = Annotated[PageContext, Depends(workspace_page("ledger:read"))]
LedgerPost = Annotated[PageContext, Depends(workspace_page("ledger:post"))]

LINES = RepeatedLines(("account_id", "description", "debit", "credit"))
HEADER = ("entry_date", "currency", "memo")
AMOUNT = TypeAdapter(schemas.LineAmount)
# A new entry starts with a debit and a credit line.
NEW_LINES: list[Line] = [{}, {}]


# The live balance


def balance(lines: list[Line]) -> dict[str, Any]:
    """The debit and credit totals of `lines` and what is off, or the first amount the
    API would refuse."""
    totals = {"debit": Decimal(0), "credit": Decimal(0)}
    for number, line in enumerate(lines, start=1):
        for side in totals:
            if not line.get(side):
                continue
            try:
                totals[side] += AMOUNT.validate_python(line[side])
            except ValidationError as exc:
                return {"error": f"Line {number}, {side}: {exc.errors()[0]['msg']}"}
    return {"error": None, **totals, "difference": totals["debit"] - totals["credit"]}


@router.post("/w/{workspace_ref}/journal/balance")
async def entry_balance(page: LedgerPost) -> Response:
    form = await forms.read_form(page.request)
    return await page.render(
        "ledger/_balance.html", balance=balance(LINES.posted(form)), currency=form.get("currency")
    )


# The form


async def _account_fields(
    page: PageContext, form: forms.FormData, count: int
) -> list[choices.Field]:
    """Each line's account choice: one search for the options, a label per line past
    the select's limit."""
    first = await choices.field(page, choices.POSTING_ACCOUNTS, "lines-0-account_id", form)
    fields = [first]
    for i in range(1, count):
        name = f"lines-{i}-account_id"
        url = first.url.replace("lines-0-account_id", name)
        if first.options is not None:
            fields.append(dataclasses.replace(first, url=url))
        else:
            fields.append(await choices.field(page, choices.POSTING_ACCOUNTS, name, form))
    return fields


async def _entry_form(
    page: PageContext,
    form: forms.FormData,
    lines: list[Line],
    errors: forms.FormErrors | None = None,
    draft: schemas.JournalDraft | None = None,
    action: str | None = None,
) -> Response:
    shown = LINES.with_lines(form, lines)
    return await page.render(
        "ledger/entry_form.html",
        focus_line=len(lines) - 1 if action == ADD_LINE else None,
        status_code=errors.status if errors else 200,
        form=shown,
        accounts=await _account_fields(page, shown, len(lines)),
        errors=LINES.errors(errors) if errors else None,
        draft=draft,
        balance=balance(lines),
    )


async def _resolved(page: PageContext, form: forms.FormData) -> list[Line]:
    """The posted lines, each line's typed account read back to its id."""
    numbers = {key.split("-")[1] for key in form if key.startswith("lines-")}
    for i in sorted((n for n in numbers if n.isdigit()), key=int):
        form = await choices.resolve(page, choices.POSTING_ACCOUNTS, form, f"lines-{i}-account_id")
    return LINES.posted(form)


def _body(form: forms.FormData, lines: list[Line]) -> dict[str, Any]:
    """The API's body: blank header fields and amounts left out (the API's defaults)."""
    body: dict[str, Any] = {k: form[k] for k in HEADER if form.get(k)}
    body["lines"] = [{k: v for k, v in line.items() if v} for line in lines]
    return body


@router.get("/w/{workspace_ref}/journal/new")
async def new_entry_form(page: LedgerPost) -> Response:
    return await _entry_form(page, {"entry_date": str(business_day())}, NEW_LINES)


@router.post("/w/{workspace_ref}/journal/new")
async def create_entry(page: LedgerPost) -> Response:
    form = await forms.read_form(page.request)
    lines, action = LINES.edited(form)
    if action:
        return await _entry_form(page, form, lines, action=action)
    try:
        body = _body(form, await _resolved(page, form))
        data = forms.parse(schemas.ManualEntryIn, body)
        if form.get("action") == "draft":
            draft = await forms.run(
                page.db, lambda: service.create_journal_draft(page.ws, page.db, data)
            )
            return page.redirect(
                page.url(f"/journal/drafts/{draft.id}"), page._("Draft entry saved.")
            )
        entry = await forms.run(page.db, lambda: service.post_manual_entry(page.ws, page.db, data))
    except forms.FormErrors as errors:
        return await _entry_form(page, form, lines, errors)
    return _posted(page, entry)


def _posted(page: PageContext, entry: schemas.JournalEntry) -> Response:
    return page.redirect(
        page.url(f"/journal/{entry.id}"),
        page._(
            "Entry %(number)s of %(total)s posted.",
            number=entry.number,
            total=page.money(entry.total, entry.currency),
        ),
    )


# Drafts


@router.get("/w/{workspace_ref}/journal/drafts")
async def drafts(
    page: LedgerRead, paging: PageParams, q: forms.QueryText = None, sort: forms.QueryText = None
) -> Response:
    filters = schemas.JournalDraftFilters(q=q, sort=sort)
    result = await service.list_journal_drafts(page.ws, page.db, filters, paging)
    return await page.render("ledger/drafts.html", result=result)


@lists.csv_route(router, "/w/{workspace_ref}/journal/drafts.csv")
async def drafts_csv(
    page: LedgerRead, q: forms.QueryText = None, sort: forms.QueryText = None
) -> Response:
    filters = schemas.JournalDraftFilters(q=q, sort=sort)
    zone = await page.time_zone()
    columns: list[lists.Column[schemas.JournalDraftSummary]] = [
        lists.Column("Date", lambda d: d.entry_date),
        lists.Column("Memo", lambda d: d.memo),
        lists.Column("Currency", lambda d: d.currency),
        lists.Column("Created", lambda d: lists.moment(d.created_at, zone)),
        lists.Column("Saved", lambda d: lists.moment(d.updated_at, zone)),
    ]
    return await lists.download(
        "draft-entries",
        columns,
        pages(lambda p: service.list_journal_drafts(page.ws, page.db, filters, p)),
    )


def _stored(draft: schemas.JournalDraft) -> tuple[forms.FormData, list[Line]]:
    form = {
        "entry_date": str(draft.entry_date or ""),
        "currency": draft.currency,
        "memo": draft.memo,
    }
    lines = [
        {
            "account_id": str(line.account_id),
            "description": line.description,
            "debit": str(line.debit) if line.debit else "",
            "credit": str(line.credit) if line.credit else "",
        }
        for line in draft.lines
    ]
    return form, lines or list(NEW_LINES)


@router.post("/w/{workspace_ref}/journal/drafts/bulk-delete")
async def delete_drafts(page: LedgerPost) -> Response:
    """Deletes every chosen draft entry, or none."""
    ids, _ = await bulk.read_ids(page)

    async def name_of(draft_id: uuid.UUID) -> str:
        draft = await service.get_journal_draft(page.ws, page.db, draft_id)
        return page._("The draft %(memo)s", memo=draft.memo or page._("(no memo)"))

    return await bulk.apply_all(
        page,
        bulk.the_list(page, "/journal/drafts"),
        ids,
        lambda draft_id: service.delete_journal_draft(page.ws, page.db, draft_id),
        name_of,
        page.ngettext(
            "%(count)d draft entry deleted.", "%(count)d draft entries deleted.", len(ids)
        ),
    )


@router.get("/w/{workspace_ref}/journal/drafts/{draft_id}")
async def draft_form(page: LedgerPost, draft_id: uuid.UUID) -> Response:
    draft = await service.get_journal_draft(page.ws, page.db, draft_id)
    form, lines = _stored(draft)
    return await _entry_form(page, form, lines, draft=draft)


@router.post("/w/{workspace_ref}/journal/drafts/{draft_id}")
async def update_draft(page: LedgerPost, draft_id: uuid.UUID) -> Response:
    draft = await service.get_journal_draft(page.ws, page.db, draft_id)
    form = await forms.read_form(page.request)
    lines, action = LINES.edited(form)
    if action:
        return await _entry_form(page, form, lines, draft=draft, action=action)
    try:
        body = {"memo": "", "entry_date": None, **_body(form, await _resolved(page, form))}
        data = forms.parse(schemas.JournalDraftUpdate, body)

        async def save_then_post() -> schemas.JournalEntry | None:
            await service.update_journal_draft(page.ws, page.db, draft_id, data)
            if form.get("action") != "post":
                return None
            return await service.post_journal_draft(page.ws, page.db, draft_id)

        entry = await forms.run(page.db, save_then_post)
    except forms.FormErrors as errors:
        return await _entry_form(page, form, lines, errors, draft)
    if entry is None:
        return page.redirect(page.url(f"/journal/drafts/{draft_id}"), page._("Draft entry saved."))
    return _posted(page, entry)


@router.post("/w/{workspace_ref}/journal/drafts/{draft_id}/delete")
async def delete_draft(page: LedgerPost, draft_id: uuid.UUID) -> Response:
    await service.delete_journal_draft(page.ws, page.db, draft_id)
    return page.redirect(page.url("/journal/drafts"), page._("Draft entry deleted."))


# Reversal


@router.post("/w/{workspace_ref}/journal/{journal_entry_id}/reverse")
async def reverse_entry(page: LedgerPost, journal_entry_id: uuid.UUID) -> Response:
    form = await forms.read_form(page.request)
    try:
        data = forms.parse(
            schemas.ReversalIn, {k: form[k] for k in ("entry_date", "memo") if form.get(k)}
        )
        mirror = await forms.run(
            page.db,
            lambda: service.reverse_journal_entry(page.ws, page.db, journal_entry_id, data),
        )
    except forms.FormErrors as errors:
        return await ledger.entry_page(page, journal_entry_id, form, errors)
    return page.redirect(
        page.url(f"/journal/{mirror.id}"),
        page._("Reversal %(number)s posted.", number=mirror.number),
    )
