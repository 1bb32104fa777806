"""The colour maps AutoProf's tutorials name (``ap.plots.visuals.cmap_grad``, ``cmap_div``).

Loaded from matplotlib (an optional dependency) when first asked for.
"""

_MAPS = {"cmap_grad": "inferno",  # a perceptually uniform gradient for images
         "cmap_div": "RdBu_r"}    # a diverging map for residuals


def __getattr__(name):
    if name in _MAPS:
        import matplotlib

        return matplotlib.colormaps[_MAPS[name]]
    raise AttributeError(f"module 'polychrome.plots.visuals' has no attribute {name!r}; it has {list(_MAPS)}")
