"""Fit whole catalogues: grouping, cutouts and group fits (the Dask pipeline is added by the lead)."""
