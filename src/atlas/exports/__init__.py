"""Tenant export: one workspace's rows as a ZIP of JSON-lines files and a manifest."""
