"""Stage 3, derive facts: what the project and its location say, three-valued."""
