"""Fitting: Levenberg-Marquardt on analytic normal equations; AutoProf's other fitters and samplers.

``LM`` (the recommended fit), ``Iter`` (one group member at a time),
``Iter_LM`` (chunks of the parameters), ``Grad`` (Adam on the analytic
gradient); samplers of the posterior on the same analytic gradient: ``NUTS``,
``HMC``, ``MHMCMC``, and ``Emcee`` (emcee's ensemble sampler, optional).
Samplers return a ChainResult (the chain as a numpy array, summaries).
"""

from .chain_result import ChainResult
from .cyclic_fits import CycleResult, Iter, Iter_LM
from .emcee_sampler import Emcee
from .gradient_descent import Grad
from .hmc import HMC
from .levenberg_marquardt import FitResult, covariance_from, levenberg_marquardt
from .lm import LM
from .mhmcmc import MHMCMC
from .model_problem import ModelProblem
from .normal_equations import NormalEquations, accumulate
from .nuts import NUTS
from .posterior import Posterior

__all__ = ["LM", "Iter", "Iter_LM", "Grad", "NUTS", "HMC", "MHMCMC", "Emcee", "ChainResult", "CycleResult",
           "Posterior", "ModelProblem", "levenberg_marquardt", "FitResult", "covariance_from",
           "NormalEquations", "accumulate"]
