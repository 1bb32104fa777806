"""Fitting: Levenberg-Marquardt on analytic normal equations."""

from .levenberg_marquardt import FitResult, covariance_from, levenberg_marquardt
from .lm import LM
from .model_problem import ModelProblem
from .normal_equations import NormalEquations, accumulate

__all__ = ["LM", "ModelProblem", "levenberg_marquardt", "FitResult", "covariance_from",
           "NormalEquations", "accumulate"]
