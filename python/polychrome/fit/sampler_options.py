"""Checks shared by the samplers' arguments (clear errors naming the argument)."""

import numpy as np


def positive_int(value, name, minimum=1):
    """``value`` as an int >= minimum, else TypeError/ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def positive_float(value, name):
    """``value`` as a finite float > 0, else TypeError/ValueError naming ``name``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a positive number, got {value!r}") from None
    if not (np.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return number


def inverse_mass(inv_mass, size, start_scale):
    """The (P, P) inverse mass matrix (the expected posterior covariance, parameter units^2).

    None: diagonal, from ``start_scale`` (P,) squared. A (P,) vector: its
    diagonal. A (P, P) matrix (e.g. LM's ``result.covariance``): used as it
    is; must be symmetric positive definite. torch tensors are not accepted:
    give numpy arrays.
    """
    if inv_mass is None:
        return np.diag(np.asarray(start_scale, dtype=float) ** 2)
    if type(inv_mass).__module__.startswith("torch"):
        raise TypeError("inv_mass: polychrome works with numpy; give a numpy array (e.g. result.covariance), "
                        "not a torch tensor")
    matrix = np.asarray(inv_mass, dtype=float)
    if matrix.shape == (size,):
        matrix = np.diag(matrix)
    if matrix.shape != (size, size) or not np.all(np.isfinite(matrix)):
        raise ValueError(f"inv_mass must be a finite ({size}, {size}) matrix or ({size},) diagonal (parameter "
                         f"units^2, e.g. LM's result.covariance), got shape {matrix.shape}")
    matrix = 0.5 * (matrix + matrix.T)
    try:
        np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        raise ValueError("inv_mass must be positive definite (a covariance with finite, non-zero variances; "
                         "a parameter the data do not constrain has none: lock it)") from None
    return matrix


def default_scale(posterior):
    """(P,) a step scale per parameter: its uncertainty when set and finite, else 1e-3 x max(|value|, 1)."""
    uncertainties = posterior.problem.free.get_uncertainties()
    fallback = 1e-3 * np.maximum(np.abs(posterior.start), 1.0)
    good = np.isfinite(uncertainties) & (uncertainties > 0)
    return np.where(good, uncertainties, fallback)
