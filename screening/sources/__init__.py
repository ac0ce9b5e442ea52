"""Reading input documents safely: YAML and JSON with line numbers, limits and no surprises."""
