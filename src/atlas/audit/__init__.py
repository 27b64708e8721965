"""The audit trail: who changed what, when, from where; written by the database."""
