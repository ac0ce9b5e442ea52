"""Stage 2, locate on zones: zoning layers, their spatial index, and where a site falls."""
