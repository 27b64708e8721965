"""Custom roles: a workspace's own sets of `resource:action` permissions."""
