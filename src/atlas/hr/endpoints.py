"""JSON routes of the hr module."""

from __future__ import annotations

from fastapi import APIRouter

from atlas.db.pool import TransactionRoute

router = APIRouter(prefix="/api/v1", tags=["hr"], route_class=TransactionRoute)
