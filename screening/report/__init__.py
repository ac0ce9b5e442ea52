"""Stage 6, report: text, Markdown, JSON (against its schema) and the site map."""
