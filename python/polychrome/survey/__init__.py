"""The survey layer: a catalogue of sources fitted on many images, on Dask, into one table.

    from polychrome.survey import fit_catalog
    table = fit_catalog("catalog.fits", images, model_spec, out="results/")

Needs the ``survey`` extra (dask[distributed], pyarrow, tqdm, scipy):
``pip install "polychrome[survey]"``. The command line is ``polychrome
fit-catalog survey.yaml``; see polychrome.survey.cli.
"""

from .flags import SourceFlag, flag_names

# Imported on first use: they need the survey extra, which `import polychrome.survey` alone does not.
_LAZY = {"fit_catalog": ".pipeline", "run_groups": ".pipeline", "merge": ".merge", "merged_table": ".merge",
         "run_status": ".run_status"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["SourceFlag", "flag_names", *_LAZY]
