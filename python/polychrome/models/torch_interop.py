"""Custom models whose user code is written in PyTorch (as AutoProf's were): run on CPU float64
tensors when torch is installed.

polychrome computes in numpy and does not need torch. A user's
``radial_model`` / ``evaluate_model`` (see custom_brightness) is first
called with numpy arrays; when it raises a TypeError from torch (a torch
function such as ``torch.exp`` given a numpy array: "... must be Tensor, not
numpy.ndarray") and torch is installed, the class is remembered as written
in torch and from then on its brightness function gets CPU float64 tensors
(``torch.from_numpy``, no copy) and its result is turned back into numpy.
A user's own ``initialize`` that fails the same way is run once more with
the image views it reads giving their ``data`` as tensors. Whatever such a
function returns (tensor or array) is converted with numpy; autograd plays
no part (the Jacobian is finite differences, as for numpy user code).
Without torch nothing here imports it, and user code calling torch fails
as it would anywhere.
"""

import functools
import importlib.util
import sys

import numpy as np


def torch_installed():
    """True when PyTorch can be imported (it is not imported here)."""
    if "torch" in sys.modules:  # imported already, or blocked (None)
        return sys.modules["torch"] is not None
    return importlib.util.find_spec("torch") is not None


def wants_tensors(error):
    """True when ``error`` is torch's TypeError for a numpy argument and torch is installed."""
    return isinstance(error, TypeError) and "must be Tensor" in str(error) and torch_installed()


def as_tensor(array):
    """A numpy array (or number) as a CPU float64 torch tensor (sharing memory where it can)."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float64))


def as_numpy(value):
    """A torch tensor (detached, on the CPU) or anything array-like as a float64 numpy array."""
    if hasattr(value, "detach") and hasattr(value, "cpu") and hasattr(value, "numpy"):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=float)


def call_user_brightness(model, function, arrays, **kwargs):
    """``function(*arrays, **kwargs)`` as numpy: with numpy arrays, or with tensors once the model's
    class is known to be written in torch (see the module docstring)."""
    cls = type(model)
    if not cls.__dict__.get("_brightness_in_torch", False):
        try:
            return as_numpy(function(*arrays, **kwargs))
        except TypeError as error:
            if not wants_tensors(error):
                raise
            cls._brightness_in_torch = True
    return as_numpy(function(*(as_tensor(a) for a in arrays), **kwargs))


class TensorImageView:
    """An image as a user's torch ``initialize`` reads it: indexing gives views like it, ``data``,
    ``variance`` and ``mask`` are tensors, anything else is the image's own."""

    def __init__(self, image):
        self.image = image

    def __getitem__(self, window):
        return TensorImageView(self.image[window])

    @property
    def data(self):
        return as_tensor(self.image.data)

    @property
    def variance(self):
        return as_tensor(self.image.variance)

    @property
    def mask(self):
        import torch

        return torch.from_numpy(np.asarray(self.image.mask, bool))

    def __getattr__(self, name):
        return getattr(self.image, name)


def plain_image(image):
    """The image behind a TensorImageView (or ``image`` itself)."""
    return image.image if isinstance(image, TensorImageView) else image


def retrying_with_tensors(initialize):
    """A user's ``initialize(self, target=None, ...)`` that, when it fails with torch's TypeError for a
    numpy argument, runs once more with ``target`` a TensorImageView of the model's target."""
    if getattr(initialize, "_retries_with_tensors", False):
        return initialize

    @functools.wraps(initialize)
    def wrapped(self, target=None, *args, **kwargs):
        try:
            return initialize(self, target, *args, **kwargs)
        except TypeError as error:
            if not wants_tensors(error):
                raise
        return initialize(self, TensorImageView(self.target if target is None else plain_image(target)),
                          *args, **kwargs)

    wrapped._retries_with_tensors = True
    return wrapped
