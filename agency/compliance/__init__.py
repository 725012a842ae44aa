"""Contact compliance: the rule engine (pure), the gate and the contact ledger."""
