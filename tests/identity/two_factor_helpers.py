"""Turning two-factor on for a test user, and the codes of their app."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from atlas.identity import totp
from tests.factories import PASSWORD, Actor


@dataclass
class App:
    """The user's authenticator app: the secret it was given."""

    secret: bytes

    def code(self, steps_ahead: int = 0) -> str:
        at = datetime.now(UTC) + timedelta(seconds=totp.STEP_SECONDS * steps_ahead)
        return totp.code_at(self.secret, at)


def app_of(setup: dict[str, str]) -> App:
    text = setup["secret"]
    return App(base64.b32decode(text + "=" * (-len(text) % 8)))


def turn_on(user: Actor) -> tuple[App, list[str]]:
    """Two-factor on for `user` (its first code is the current step's), and the backup codes."""
    setup = user.post("/api/v1/auth/two-factor/setup", json={"password": PASSWORD})
    assert setup.status_code == 200, setup.text
    app = app_of(setup.json())
    enabled = user.post("/api/v1/auth/two-factor/enable", json={"code": app.code()})
    assert enabled.status_code == 200, enabled.text
    return app, enabled.json()["backup_codes"]
