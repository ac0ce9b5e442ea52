"""Stage 4, evaluate rules: the only code that imports durable-rules."""
