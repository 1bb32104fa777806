"""The eigen PSF model (AutoProf's "eigen psf model"): a weighted sum of given basis images."""

import numpy as np

from .parameter_spec import LOG10_BRIGHTNESS_LIMITS, ParameterSpec
from .psf_model import LN10, PSFModel
from .registry import register


@register
class EigenPSF(PSFModel):
    """PSF = 10**flux x sum_k weights[k] B_k, the B_k given basis images on the PSF grid.

    Option ``eigen_basis``: the basis, shape (K, ny, nx) with the window's
    (ny, nx), finite (without it, as in AutoProf, the target's image is the
    one basis image, its weight 1 and locked); with ``normalize_eigen_basis`` (default True, as in
    AutoProf) each image is divided by its sum first, so that weights summing
    to 1 give a PSF of unit sum. Parameters (AutoProf's names): ``flux``
    (log10 of the total flux of unit weights; 0 and locked by default),
    ``weights`` (K numbers, unitless, in [-1e6, 1e6]). With
    ``normalize_psf`` (default) the render is divided by its sum: only the
    ratios of the weights matter then (one direction unconstrained in a fit;
    lock it by ``normalize_psf=False`` with the flux locked). Unlike
    AutoProf no clipping at zero (it would make the Jacobian discontinuous)
    and no interpolation: the basis must be on the PSF grid.
    ``initialize()`` solves for the weights by linear least squares against
    the target's pixels (blank data: the first basis image alone).
    """

    model_type = "eigen psf model"
    parameter_specs = (ParameterSpec("flux", "log10(flux)", limits=LOG10_BRIGHTNESS_LIMITS),
                       ParameterSpec("weights", "", limits=(-1e6, 1e6), shape=None))
    options = {"normalize_psf": True, "eigen_basis": None, "normalize_eigen_basis": True}
    _amplitude = "flux"

    def _check_options(self):
        super()._check_options()
        if self.eigen_basis is None:
            return  # the target's image when it is assigned (see _attach)
        self.eigen_basis = self._checked_basis(self.eigen_basis)

    def _checked_basis(self, eigen_basis):
        basis = np.array(eigen_basis, float)
        if basis.ndim != 3 or basis.shape[0] < 1 or not np.all(np.isfinite(basis)):
            raise ValueError(f"model {self.name!r}: eigen_basis must be a finite array of shape (K, ny, nx), "
                             f"K >= 1, got shape {basis.shape}")
        if not isinstance(self.normalize_eigen_basis, (bool, np.bool_)):
            raise TypeError(f"model {self.name!r}: normalize_eigen_basis must be True or False")
        if self.normalize_eigen_basis:
            sums = basis.sum(axis=(1, 2))
            vanishing = np.abs(sums) <= 1e-12 * np.abs(basis).sum(axis=(1, 2))
            if np.any(vanishing):
                raise ValueError(f"model {self.name!r}: eigen_basis images {np.flatnonzero(vanishing).tolist()} "
                                 "sum to (about) zero and cannot be normalised (normalize_eigen_basis=False)")
            basis = basis / sums[:, None, None]
        self.normalize_eigen_basis = bool(self.normalize_eigen_basis)
        return basis

    def _parameter_shape(self, spec):
        if spec.name != "weights":
            return spec.shape
        return None if self.eigen_basis is None else (self.eigen_basis.shape[0],)

    def _attach(self, target, window):
        super()._attach(target, window)
        if self.eigen_basis is None:  # AutoProf's fallback: the target's image, one basis image
            weights = self.parameters["weights"]
            if weights.value is not None and np.size(weights.value) != 1:
                raise ValueError(f"model {self.name!r}: without eigen_basis the basis is the target's image "
                                 f"alone: weights must have one value, got {np.size(weights.value)}")
            try:
                self.eigen_basis = self._checked_basis(np.asarray(target[window].data, float)[None])
            except ValueError as err:
                raise ValueError(f"model {self.name!r}: no eigen_basis given, and the target's image cannot "
                                 f"be the basis: {err}") from None
            if weights.value is None:
                weights.value = [1.0]
                weights.locked = True
        if tuple(self.eigen_basis.shape[1:]) != tuple(window.shape):
            raise ValueError(f"model {self.name!r}: eigen_basis images have shape {self.eigen_basis.shape[1:]} "
                             f"but the PSF window is {tuple(window.shape)}")

    def _raw(self, jacobian):
        v = self._values()
        scale = 10.0 ** v["flux"]
        weights = np.asarray(v["weights"], float)
        image = scale * np.tensordot(weights, self.eigen_basis, axes=1)
        if not jacobian:
            return image, None
        rows = np.concatenate([LN10 * image[None], scale * self.eigen_basis])
        return image, rows

    def initialize(self, foreground=None):
        if self.parameters["weights"].value is not None:
            return self
        data = np.asarray(self._target[self._window_box].data, float).ravel()
        design = self.eigen_basis.reshape(self.eigen_basis.shape[0], -1).T * 10.0 ** self.parameters["flux"].value
        weights, *_ = np.linalg.lstsq(design, data, rcond=None)
        if not weights.sum() > 0:  # no light (blank data): the first basis image
            weights = np.eye(weights.size)[0]
        elif self.normalize_psf:
            weights = weights / weights.sum()
        self.parameters["weights"].value = weights
        return self
