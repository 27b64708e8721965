"""Database access: schema metadata, pool, tenant transactions, embedded server, migrations."""
