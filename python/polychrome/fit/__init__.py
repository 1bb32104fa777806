"""Fitting: Levenberg-Marquardt on analytic normal equations."""

from .levenberg_marquardt import FitResult, covariance_from, levenberg_marquardt
from .normal_equations import NormalEquations, accumulate
from .parameter_transform import ParameterTransform

__all__ = ["levenberg_marquardt", "FitResult", "covariance_from", "NormalEquations", "accumulate",
           "ParameterTransform"]
