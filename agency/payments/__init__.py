"""Payment plans, promises, settlements, installments and payments."""
