"""JSON routes of the finance module."""

from __future__ import annotations

from fastapi import APIRouter

from atlas.db.pool import TransactionRoute

router = APIRouter(prefix="/api/v1", tags=["finance"], route_class=TransactionRoute)
