"""The workspace dashboard: a few figures across modules, each read in one query."""
