"""Stage 5, decide: the national tier, admissibility and the final tier, questions and assumptions."""
