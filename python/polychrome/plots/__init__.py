"""Plots (matplotlib): each function takes (fig, ax, obj, ...)."""

from .fit_plots import covariance_matrix, radial_light_profile
from .image_plots import model_image, model_window, residual_image, target_image

__all__ = ["target_image", "model_image", "residual_image", "model_window", "radial_light_profile",
           "covariance_matrix"]
