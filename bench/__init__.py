"""Benchmarks of Atlas ERP: isolation cost, API efficiency, tenant scaling, writes, footprint."""
