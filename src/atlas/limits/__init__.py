"""Rate limits (Redis or per-worker memory) and the request body size limit.

Import from the submodules: `limiter` (the store, `install_limits`, the workspace hook),
`dependencies` (route dependencies) and `body` (the ASGI middleware).
"""
