"""Rate limits (Redis or per-worker memory) and the request body size limit.

Import from the submodules: `limiter` (the store, `install_limits`),
`dependencies` (route dependencies, the per-workspace API limit among them) and `body`
(the ASGI middleware).
"""
