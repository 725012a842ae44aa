"""Payment plans, promises and settlements, and their installments."""
