"""Batch screening: many projects from a folder or a table, on all cores or a Dask cluster."""
