"""The workspace dashboard: a few figures, each asked of the module that owns it."""
