"""Validation of the arrays that make up an image."""

import numpy as np

from ..utils.arguments import check_numeric


def as_image_array(value, name):
    """Return ``value`` as a new 2-D float64 array, or raise naming ``name``."""
    check_numeric(value, name, "a 2-D array of numbers", allow_bool=True)
    try:
        array = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a 2-D array of numbers, got {type(value).__name__}") from None
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array [y, x], got {array.ndim} dimension(s) "
                         f"with shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    return array


def check_same_shape(array, name, shape):
    """Raise ValueError unless ``array`` has the data's ``shape``."""
    if array.shape != tuple(shape):
        raise ValueError(f"{name} has shape {array.shape} but data has shape {tuple(shape)}; "
                         "they must match")


def as_mask_array(value, shape):
    """Return the mask as a new boolean array (True = masked, not used), checked against ``shape``."""
    mask = np.array(value)
    if mask.dtype != bool:
        if not (np.issubdtype(mask.dtype, np.integer) or np.issubdtype(mask.dtype, np.floating)):
            raise TypeError(f"mask must be an array of booleans or numbers, got dtype {mask.dtype}")
        if np.issubdtype(mask.dtype, np.floating) and not np.all(np.isfinite(mask)):
            raise ValueError("mask must not contain NaN or inf")
        mask = mask != 0
    if mask.ndim != 2:
        raise ValueError(f"mask must be a 2-D array [y, x], got shape {mask.shape}")
    check_same_shape(mask, "mask", shape)
    return mask
