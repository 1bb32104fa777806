"""The basis PSF model (AstroPhot 0.18's "basis psf model"): a weighted sum of basis images,
Zernike polynomials by default.

Not an alias of the "eigen psf model" (eigen_psf.py), though both are sums of given images: AstroPhot
0.18's basis PSF has no flux parameter, takes its images as the option ``basis`` (an array or
"zernike:<order>", default "zernike:3"), and uses them as given (the eigen model divides each
image by its sum, and falls back to the target's image).
"""

import re

import numpy as np

from .parameter_spec import ParameterSpec
from .psf_model import PSFModel
from .registry import register
from .zernike import MAX_ZERNIKE_ORDER, zernike_basis, zernike_indices

WEIGHT_LIMITS = (-1e6, 1e6)
DEFAULT_BASIS = "zernike:3"


@register
class BasisPSF(PSFModel):
    """PSF = sum_k weights[k] B_k, the B_k basis images on the PSF grid, normalised to unit sum
    (``normalize_psf``, default True).

    Option ``basis``: an array (K, ny, nx) of finite images with the
    window's shape (ny, nx), used as given, or "zernike:<order>" (default
    "zernike:3": the 10 Zernike polynomials of degree <= 3; order in [0, 20];
    see zernike.zernike_basis: the unit disc spans the grid's larger side).
    Parameter (AstroPhot's name): ``weights`` (K numbers, unitless, in
    [-1e6, 1e6]). Normalised, only the ratios of the weights matter: one
    direction is unconstrained in a fit (lock one weight, or fit with
    ``normalize_psf=False``). No interpolation (the basis is on the PSF grid)
    and no clipping of negative pixels (a Zernike sum may dip below zero).
    ``initialize()`` solves for the weights by linear least squares against
    the target's pixels (AstroPhot starts them at 1/k times a scale); blank
    data: the first basis image alone.
    """

    model_type = "basis psf model"
    parameter_specs = (ParameterSpec("weights", "", limits=WEIGHT_LIMITS, shape=None),)
    options = {"normalize_psf": True, "basis": DEFAULT_BASIS}

    def _check_options(self):
        super()._check_options()
        self._images = None
        if isinstance(self.basis, str):
            match = re.fullmatch(r"zernike:(\d+)", self.basis.strip())
            if match is None or int(match.group(1)) > MAX_ZERNIKE_ORDER:
                raise ValueError(f"model {self.name!r}: basis must be an array (K, ny, nx) or 'zernike:<order>' "
                                 f"with an order in [0, {MAX_ZERNIKE_ORDER}], got {self.basis!r}")
            self.basis = f"zernike:{int(match.group(1))}"
            return
        images = np.array(self.basis, float)
        if images.ndim != 3 or images.shape[0] < 1 or not np.all(np.isfinite(images)):
            raise ValueError(f"model {self.name!r}: basis must be a finite array of shape (K, ny, nx), K >= 1, "
                             f"or 'zernike:<order>', got shape {images.shape}")
        self.basis = self._images = images

    def _basis_images(self, shape):
        if self._images is not None:
            return self._images
        return zernike_basis(int(self.basis.partition(":")[2]), shape)

    def _parameter_shape(self, spec):
        if isinstance(self.basis, str):
            return (len(zernike_indices(int(self.basis.partition(":")[2]))),)
        return (self.basis.shape[0],)

    def _attach(self, target, window):
        super()._attach(target, window)
        images = self._basis_images(tuple(window.shape))
        if tuple(images.shape[1:]) != tuple(window.shape):
            raise ValueError(f"model {self.name!r}: basis images have shape {images.shape[1:]} but the PSF window "
                             f"is {tuple(window.shape)}")
        self._grid_images = images

    def _raw(self, jacobian):
        weights = np.asarray(self._values()["weights"], float)
        image = np.tensordot(weights, self._grid_images, axes=1)
        return image, (self._grid_images.copy() if jacobian else None)

    def initialize(self, foreground=None):
        """Weights without a value: the linear least-squares fit of the basis to the target's pixels
        (foreground subtracted); blank data: the first basis image alone."""
        if self.parameters["weights"].value is not None:
            return self
        data = np.asarray(self._target[self._window_box].data, float)
        if foreground is not None:
            data = data - np.asarray(foreground, float)
        design = self._grid_images.reshape(self._grid_images.shape[0], -1).T
        weights, *_ = np.linalg.lstsq(design, data.ravel(), rcond=None)
        if not (np.all(np.isfinite(weights)) and (design @ weights).sum() > 0):
            weights = np.eye(weights.size)[0]
        self.parameters["weights"].value = np.clip(weights, *WEIGHT_LIMITS)
        return self
