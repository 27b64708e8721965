"""Page routes, one module per area; each builds on `atlas.web.routing.page_router`."""
