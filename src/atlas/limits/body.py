"""A pure ASGI middleware refusing request bodies over a size with 413 `payload_too_large`."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from atlas.errors import error_body


class _BodyTooLarge(Exception):
    """Raised into the app by `receive` once the streamed body passes the limit."""


class BodySizeLimit:
    """Checks Content-Length up front, and counts the bytes of every body as it is read
    (chunked bodies, lying lengths): past the limit, the app's read fails and whatever
    the app answers is replaced by the 413."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> JSONResponse:
        return JSONResponse(
            error_body(
                "payload_too_large",
                f"The request body is larger than {self.max_bytes} bytes.",
            ),
            status_code=413,
            headers={"Connection": "close"},
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            await self._too_large()(scope, receive, send)
            return

        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:  # the app's answer to the failed read is dropped
                if not started:
                    started = True
                    await self._too_large()(scope, receive, send)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:  # _BodyTooLarge, or what the app made of it
            if not exceeded:
                raise
            if not started:
                await self._too_large()(scope, receive, send)
