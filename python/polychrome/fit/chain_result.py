"""ChainResult: what a sampler returns -- the chain as a numpy array and its per-parameter summaries."""

import dataclasses

import numpy as np

from ..param.numpy_values import NumpyArray


def integrated_autocorrelation_time(series):
    """Integrated autocorrelation time of a 1-D series (samples), by Sokal's automatic window
    (the first lag M >= 5 tau); 1 for an uncorrelated series, >= 1 always."""
    series = np.asarray(series, dtype=float)
    n = series.size
    if n < 4 or np.var(series) == 0:
        return 1.0
    centred = series - series.mean()
    size = 1 << (2 * n - 1).bit_length()
    spectrum = np.fft.rfft(centred, size)
    acf = np.fft.irfft(spectrum * np.conj(spectrum), size)[:n]
    acf /= acf[0]
    taus = 2.0 * np.cumsum(acf) - 1.0
    window = np.arange(n) >= 5.0 * taus
    m = int(np.argmax(window)) if np.any(window) else n - 1
    return float(max(taus[m], 1.0))


@dataclasses.dataclass
class ChainResult:
    """The samples of a posterior.

    chain: (N, P) numpy array, one row per kept sample (warm-up left out),
    columns in the order of ``names`` ("model:parameter[k]", as LM's result);
    log_prob: (N,) -chi^2/2 of each sample; acceptance: mean acceptance
    probability (Metropolis: the fraction accepted); message: what ran.
    The model's parameters are left at the values the sampler started from.
    """

    chain: np.ndarray
    log_prob: np.ndarray
    names: list
    acceptance: float
    message: str

    def __post_init__(self):
        self.chain = np.asarray(self.chain, dtype=float).view(NumpyArray)

    @property
    def mean(self):
        """(P,) posterior mean of each parameter."""
        return self.chain.mean(axis=0)

    @property
    def std(self):
        """(P,) posterior standard deviation of each parameter."""
        return self.chain.std(axis=0, ddof=1)

    @property
    def covariance(self):
        """(P, P) posterior covariance."""
        return np.atleast_2d(np.cov(self.chain, rowvar=False))

    def percentiles(self, q=(16, 50, 84)):
        """(len(q), P) percentiles of each parameter."""
        return np.percentile(self.chain, q, axis=0)

    @property
    def autocorrelation_time(self):
        """(P,) integrated autocorrelation time of each parameter's chain, in samples."""
        return np.array([integrated_autocorrelation_time(column) for column in self.chain.T])

    @property
    def effective_sample_size(self):
        """(P,) effective number of independent samples: N / autocorrelation time."""
        return len(self.chain) / self.autocorrelation_time

    @property
    def mean_error(self):
        """(P,) Monte-Carlo standard error of ``mean``: std / sqrt(effective sample size)."""
        return self.std / np.sqrt(self.effective_sample_size)

    def summary(self):
        """A text table: per parameter mean, std, 16/50/84 percentiles, effective sample size."""
        p16, p50, p84 = self.percentiles()
        lines = [f"{self.message}; {len(self.chain)} samples, acceptance {self.acceptance:.3f}",
                 f"  {'parameter':<28} {'mean':>12} {'std':>11} {'16%':>12} {'50%':>12} {'84%':>12} {'ESS':>8}"]
        for k, name in enumerate(self.names):
            lines.append(f"  {name:<28} {self.mean[k]:12.6g} {self.std[k]:11.4g} {p16[k]:12.6g} {p50[k]:12.6g} "
                         f"{p84[k]:12.6g} {self.effective_sample_size[k]:8.1f}")
        return "\n".join(lines)

    def __str__(self):
        return self.summary()
