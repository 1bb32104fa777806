"""Pickling astropy WCS objects without rounding.

astropy pickles a WCS through FITS header cards, which keep about 14
significant digits (``PC1_1 = -0.00010614849879173``): an unpickled image
would map pixels onto the plane differently in the last bits, and a model
fitted on it would not reproduce. The objects that hold a WCS
(:class:`PlaneMapping`, :class:`TangentPlane`) pickle it with the numbers
those cards round, and put them back bit for bit on load.
"""

from astropy.wcs import WCS


class ExactWcs:
    """A WCS for pickling: astropy's own pickle (header, SIP and distortion tables, which it keeps
    exactly) plus the exact reference pixel, reference value, linear matrix and poles."""

    def __init__(self, wcs):
        self.wcs = wcs
        prm = wcs.wcs
        self.linear = dict(crpix=prm.crpix.copy(), crval=prm.crval.copy(), pc=prm.get_pc().copy(),
                           cdelt=prm.get_cdelt().copy(), lonpole=prm.lonpole, latpole=prm.latpole)

    def restore(self):
        """The unpickled WCS with the exact numbers written back (in place: shared WCSs stay shared)."""
        prm = self.wcs.wcs
        for name, value in self.linear.items():
            setattr(prm, name, value)
        prm.set()
        return self.wcs


def state_with_exact_wcs(obj):
    """``obj.__dict__`` for ``__getstate__``, every WCS in it wrapped in an :class:`ExactWcs`."""
    return {name: ExactWcs(value) if isinstance(value, WCS) else value for name, value in obj.__dict__.items()}


def restore_exact_wcs(obj, state):
    """``__setstate__`` for a state made by :func:`state_with_exact_wcs`."""
    obj.__dict__.update({name: value.restore() if isinstance(value, ExactWcs) else value
                         for name, value in state.items()})
