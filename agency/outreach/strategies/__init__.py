"""Contact strategies: versioned cadences of steps that run themselves through the
batch gate (docs/outreach.md, "Strategies")."""
