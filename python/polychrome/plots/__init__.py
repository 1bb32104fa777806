"""Plots (matplotlib): each function takes (fig, ax, obj, ...)."""

from .image_plots import model_image, model_window, residual_image, target_image

__all__ = ["target_image", "model_image", "residual_image", "model_window"]
