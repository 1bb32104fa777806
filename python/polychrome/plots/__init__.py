"""Plots (matplotlib): each function takes (fig, ax, obj, ...)."""

from .fit_plots import covariance_matrix, radial_light_profile
from . import visuals
from .image_plots import model_image, model_window, residual_image, target_image
from .profile_plots import galaxy_light_profile, psf_image, radial_median_profile
from .segment_plots import ray_light_profile, wedge_light_profile

__all__ = ["target_image", "model_image", "residual_image", "model_window", "radial_light_profile",
           "covariance_matrix", "galaxy_light_profile", "radial_median_profile", "psf_image", "ray_light_profile",
           "wedge_light_profile", "visuals"]
