"""Numbers and arrays that say the numpy way when asked for PyTorch's methods.

AutoProf's values were torch tensors, so its scripts call ``.detach()``,
``.cpu()``, ``.numpy()`` or ``.item()`` on them. polychrome's are numpy:
``NumpyScalar`` (a numpy float64: ``.item()`` works) and ``NumpyArray`` (an
ndarray) behave exactly as numpy's, except that asking them for a
PyTorch-only method raises an AttributeError that says what to write instead.
"""

import numpy as np

_TORCH_METHODS = ("detach", "cpu", "cuda", "numpy", "requires_grad_", "backward", "to", "clone", "grad")


def _torch_hint(obj, name):
    if name in _TORCH_METHODS:
        return AttributeError(
            f"'{name}' is a PyTorch tensor method; polychrome's values are numpy already "
            f"({'a float64' if isinstance(obj, np.floating) else 'an ndarray'}): drop .detach().cpu().numpy() "
            "(use the value as it is, .item() for a Python float, .tolist() or np.asarray(value) for a list/array)")
    return AttributeError(f"'{type(obj).__name__}' object has no attribute '{name}'")


class NumpyScalar(np.float64):
    """A numpy float64 (see the module docstring)."""

    def __getattr__(self, name):
        raise _torch_hint(self, name)


class NumpyArray(np.ndarray):
    """A numpy ndarray (see the module docstring)."""

    def __getattr__(self, name):
        raise _torch_hint(self, name)


def numpy_value(value):
    """``value`` (None, a 0-d or n-d array) as None, a NumpyScalar or a NumpyArray copy."""
    if value is None:
        return None
    array = np.asarray(value, dtype=float)
    return NumpyScalar(array) if array.ndim == 0 else array.copy().view(NumpyArray)
