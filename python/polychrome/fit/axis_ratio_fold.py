"""Let the fitter carry q through 1 without a wall there.

An ellipse with axis ratio q > 1 is the same ellipse as q' = 1/q with the
position angle turned by 90 degrees and the semi-major radius scaled by q.
Bounding q at 1 traps a fit whose galaxy wants to turn (q presses on the wall
and PA cannot move); instead the fitter lets q step above 1 and this maps the
parameters back to the equivalent q <= 1 form after every step. A q is
folded only where that is exact: every component sharing it is a galaxy with
a radial scale parameter, and they share one free PA quantity and have free
radius quantities.
"""

import math

# The radial scale of each galaxy type: multiplied by q when the axes swap.
SCALE_PARAMETER = {
    "sersic galaxy model": "Re",
    "exponential galaxy model": "Re",
    "gaussian galaxy model": "sigma",
    "moffat galaxy model": "Rd",
}


class AxisRatioFold:
    """The foldable q quantities of a model, as slices of the fitter's vector."""

    def __init__(self, model, free, components=None):
        """``components``: ``model.components()`` where the caller has them already (each walk of a
        group's tree costs about as much as the rest of this)."""
        by_q = {}
        for component in model.components() if components is None else components:
            parameters = getattr(component, "parameters", None)  # (a ParameterSet: "in" by name)
            if parameters is None or "q" not in parameters:
                continue
            key = id(parameters["q"].quantity)
            by_q.setdefault(key, []).append(component)
        self.folds = []
        for components in by_q.values():
            fold = self._fold_of(components, free)
            if fold is not None:
                self.folds.append(fold)

    @staticmethod
    def _fold_of(components, free):
        q_slice = free.slice_of(components[0]["q"])
        if q_slice is None:
            return None
        pa_slices, radius_slices = set(), set()
        for component in components:
            scale = SCALE_PARAMETER.get(component.model_type)
            if scale is None:
                return None
            pa, radius = free.slice_of(component["PA"]), free.slice_of(component[scale])
            if pa is None or radius is None:
                return None
            pa_slices.add((pa.start, pa.stop))
            radius_slices.add((radius.start, radius.stop))
        if len(pa_slices) != 1:
            return None
        (pa,) = pa_slices
        return q_slice.start, pa[0], sorted(start for start, _ in radius_slices)

    def q_indices(self):
        """Vector indices of the q values that may step above 1."""
        return [q for q, _, _ in self.folds]

    def changes(self, x):
        """True when apply(x) would change x: some foldable q of x is above 1 (reads only the q
        entries; NaN is not above 1). A loop, not any() over a generator: asked after every step."""
        for q, _, _ in self.folds:
            if x[q] > 1.0:
                return True
        return False

    def apply(self, x):
        """x with every q > 1 folded back to its equivalent q <= 1 form."""
        x = x.copy()
        for q, pa, radii in self.folds:
            if x[q] > 1.0:
                factor = x[q]
                x[q] = 1.0 / factor
                x[pa] += 0.5 * math.pi
                for r in radii:
                    x[r] *= factor
        return x
