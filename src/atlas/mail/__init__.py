"""Email: the outbox (written in the transaction that causes a message) and its sender."""
