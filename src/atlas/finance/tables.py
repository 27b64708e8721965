"""Finance: customers, invoices with lines, payments (tenant tables)."""

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)

from atlas.db.metadata import created_at, sort_index, tenant_table, updated_at
from atlas.db.query import rank
from atlas.db.textsearch import SearchDocument
from atlas.validation import business_date_range

INVOICE_STATUSES = ("draft", "issued", "paid", "void")
PAYMENT_METHODS = ("bank_transfer", "card", "cash", "cheque", "other")

# What the global search finds customers and invoices by (atlas.db.textsearch); an
# invoice is also found by its customer's name.
CUSTOMER_SEARCH = SearchDocument((("A", ("name",)), ("B", ("email",))))
INVOICE_SEARCH = SearchDocument((("A", ("number",)),))

customers = tenant_table(
    "customers",
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=True),
    Column("billing_address", Text, nullable=False, server_default=""),
    Column("tax_id", Text, nullable=True),
    Column("currency", String(3), nullable=False),
    Column("payment_terms_days", Integer, nullable=False, server_default="30"),
    # Where its invoices' lines post unless a line names its own (else the sales account).
    Column("income_account_id", Uuid, nullable=True),
    created_at(),
    updated_at(),
    CUSTOMER_SEARCH.column(),
    CUSTOMER_SEARCH.index("customers"),
    UniqueConstraint("workspace_id", "name"),
    sort_index("customers", "name_lower", "lower(name)"),
    sort_index("customers", "created_at"),
    CheckConstraint("payment_terms_days BETWEEN 0 AND 365", name="terms"),
    ForeignKeyConstraint(
        ["workspace_id", "income_account_id"], ["accounts.workspace_id", "accounts.id"]
    ),
)

invoices = tenant_table(
    "invoices",
    Column("customer_id", Uuid, nullable=False),
    Column("number", Text, nullable=True),
    Column("status", Text, nullable=False, server_default="draft"),
    Column("currency", String(3), nullable=False),
    Column("issue_date", Date, nullable=True),
    Column("due_date", Date, nullable=True),
    Column("notes", Text, nullable=False, server_default=""),
    Column("subtotal", Numeric(14, 2), nullable=False, server_default="0"),
    Column("tax_total", Numeric(14, 2), nullable=False, server_default="0"),
    Column("total", Numeric(14, 2), nullable=False, server_default="0"),
    Column("amount_paid", Numeric(14, 2), nullable=False, server_default="0"),
    Column("amount_credited", Numeric(14, 2), nullable=False, server_default="0"),
    Column("issued_at", DateTime(timezone=True), nullable=True),
    Column("voided_at", DateTime(timezone=True), nullable=True),
    created_at(),
    updated_at(),
    INVOICE_SEARCH.column(),
    INVOICE_SEARCH.index("invoices"),
    UniqueConstraint("workspace_id", "number"),
    Index("ix_invoices_workspace_id_customer_id", "workspace_id", "customer_id"),
    Index("ix_invoices_workspace_id_status_due_date", "workspace_id", "status", "due_date"),
    sort_index("invoices", "number"),
    sort_index("invoices", "status_rank", rank("status", INVOICE_STATUSES)),
    sort_index("invoices", "issue_date"),
    sort_index("invoices", "due_date"),
    sort_index("invoices", "total"),
    sort_index("invoices", "created_at"),
    sort_index("invoices", "updated_at"),
    ForeignKeyConstraint(
        ["workspace_id", "customer_id"], ["customers.workspace_id", "customers.id"]
    ),
    CheckConstraint(f"status IN {INVOICE_STATUSES!r}", name="status"),
    CheckConstraint("status = 'draft' OR number IS NOT NULL", name="numbered_once_issued"),
    CheckConstraint(
        "due_date IS NULL OR issue_date IS NULL OR due_date >= issue_date", name="dates"
    ),
    CheckConstraint(
        "amount_paid >= 0 AND amount_credited >= 0 AND amount_paid + amount_credited <= total",
        name="settled_within_total",
    ),
    CheckConstraint(business_date_range("issue_date"), name="issue_date_range"),
    CheckConstraint(business_date_range("due_date"), name="due_date_range"),
)

invoice_lines = tenant_table(
    "invoice_lines",
    Column("invoice_id", Uuid, nullable=False),
    Column("position", Integer, nullable=False),
    Column("description", Text, nullable=False),
    Column("quantity", Numeric(12, 3), nullable=False),
    Column("unit_price", Numeric(14, 2), nullable=False),
    Column("tax_rate", Numeric(5, 2), nullable=False, server_default="0"),
    Column("subtotal", Numeric(14, 2), nullable=False),
    Column("tax", Numeric(14, 2), nullable=False),
    Column("total", Numeric(14, 2), nullable=False),
    Column("income_account_id", Uuid, nullable=True),
    created_at(),
    UniqueConstraint("workspace_id", "invoice_id", "position"),
    ForeignKeyConstraint(
        ["workspace_id", "income_account_id"], ["accounts.workspace_id", "accounts.id"]
    ),
    ForeignKeyConstraint(
        ["workspace_id", "invoice_id"], ["invoices.workspace_id", "invoices.id"], ondelete="CASCADE"
    ),
    CheckConstraint("quantity > 0", name="quantity"),
    CheckConstraint("tax_rate >= 0 AND tax_rate <= 100", name="tax_rate"),
)

payments = tenant_table(
    "payments",
    Column("invoice_id", Uuid, nullable=False),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("method", Text, nullable=False),
    Column("reference", Text, nullable=False, server_default=""),
    # A reversed payment stays, with the day its posting was reversed.
    Column("reversed_on", Date, nullable=True),
    created_at(),
    Index("ix_payments_workspace_id_invoice_id", "workspace_id", "invoice_id"),
    ForeignKeyConstraint(["workspace_id", "invoice_id"], ["invoices.workspace_id", "invoices.id"]),
    CheckConstraint("amount > 0", name="amount"),
    CheckConstraint(f"method IN {PAYMENT_METHODS!r}", name="method"),
    CheckConstraint(business_date_range("paid_on"), name="paid_on_range"),
    CheckConstraint(business_date_range("reversed_on"), name="reversed_on_range"),
    CheckConstraint("reversed_on >= paid_on", name="reversed_after_paid"),
)

# Credit notes: issued at once, never edited (the app role may only SELECT and INSERT them);
# each credits part or all of an issued invoice's balance and posts the reversal.
credit_notes = tenant_table(
    "credit_notes",
    Column("invoice_id", Uuid, nullable=False),
    Column("number", Text, nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("subtotal", Numeric(14, 2), nullable=False),
    Column("tax_total", Numeric(14, 2), nullable=False),
    Column("total", Numeric(14, 2), nullable=False),
    created_at(),
    UniqueConstraint("workspace_id", "number"),
    Index("ix_credit_notes_workspace_id_invoice_id", "workspace_id", "invoice_id"),
    ForeignKeyConstraint(["workspace_id", "invoice_id"], ["invoices.workspace_id", "invoices.id"]),
    CheckConstraint("total > 0 AND subtotal >= 0 AND tax_total >= 0", name="amounts"),
    CheckConstraint(business_date_range("issue_date"), name="issue_date_range"),
)

credit_note_lines = tenant_table(
    "credit_note_lines",
    Column("credit_note_id", Uuid, nullable=False),
    Column("position", Integer, nullable=False),
    Column("description", Text, nullable=False),
    Column("quantity", Numeric(12, 3), nullable=False),
    Column("unit_price", Numeric(14, 2), nullable=False),
    Column("tax_rate", Numeric(5, 2), nullable=False, server_default="0"),
    Column("subtotal", Numeric(14, 2), nullable=False),
    Column("tax", Numeric(14, 2), nullable=False),
    Column("total", Numeric(14, 2), nullable=False),
    Column("income_account_id", Uuid, nullable=True),
    UniqueConstraint("workspace_id", "credit_note_id", "position"),
    ForeignKeyConstraint(
        ["workspace_id", "credit_note_id"], ["credit_notes.workspace_id", "credit_notes.id"]
    ),
    ForeignKeyConstraint(
        ["workspace_id", "income_account_id"], ["accounts.workspace_id", "accounts.id"]
    ),
    CheckConstraint("quantity > 0", name="quantity"),
    CheckConstraint("tax_rate >= 0 AND tax_rate <= 100", name="tax_rate"),
)

# Each time an invoice was emailed with its PDF (append-only, audited); the message's text
# stays in the outbox alone.
invoice_sends = tenant_table(
    "invoice_sends",
    Column("invoice_id", Uuid, nullable=False),
    Column("to_email", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("sent_by_user_id", Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    created_at(),
    Index("ix_invoice_sends_workspace_id_invoice_id", "workspace_id", "invoice_id"),
    ForeignKeyConstraint(["workspace_id", "invoice_id"], ["invoices.workspace_id", "invoices.id"]),
    CheckConstraint("char_length(to_email) <= 320", name="to_email_length"),
    CheckConstraint("char_length(subject) <= 200", name="subject_length"),
)
