"""Users, roles, login sessions, permissions and tenant scoping."""
