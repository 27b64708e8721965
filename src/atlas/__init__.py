"""Atlas ERP: a multi-tenant ERP on one PostgreSQL database."""

__version__ = "0.1.0"
