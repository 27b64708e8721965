"""JSON routes of workspaces, members, invitations and workspace tokens."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["workspaces"])
