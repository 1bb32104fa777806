"""Cost and quality of model.initialize() under a PSF, per source.

A Sersic (q = 0.6, n = 1.5) under a 4 px FWHM Moffat (beta 3), S/N ~ 50 (noise 5% of the peak
pixel), 40 noise seeds per size: compact (Re = 1.5 px, 40x40), medium (Re = 4 px, 60x60) and well
resolved (Re = 8 px, 80x80). Prints per size the median initialize() time (wall clock: run on an
idle machine, or compare the sizes' ratios within one run), the median number of ProfileRenderer
calls it makes (the convolved search's candidates), the median start Re (10th, 90th percentiles),
q and n, and with ``--fits`` how many LM fits from the start end where the fit from the truth ends
(chi^2 within 0.1) with success.

    python bench/initialize_starts.py [--fits]
"""

import sys
import time

import numpy as np

import polychrome as pc
from polychrome.models import Model
from polychrome.render import ProfileRenderer
from polychrome.utils.initialize import moffat_psf

BETA, FWHM = 3.0, 4.0
PSF = moffat_psf(BETA, FWHM / (2.0 * np.sqrt(2.0 ** (1.0 / BETA) - 1.0)), 25, 1.0)
CASES = [("compact Re=1.5 px", 1.5, 40), ("medium Re=4 px", 4.0, 60), ("resolved Re=8 px", 8.0, 80)]
SEEDS = range(40)


def simulated_target(truth, seed, size):
    blank = pc.image.TargetImage(np.zeros((size, size)), psf=PSF)
    image = Model(name="truth", model_type="sersic galaxy model", target=blank, **truth).sample().data
    sigma = 0.05 * image.max()
    data = image + np.random.default_rng(seed).normal(0.0, sigma, image.shape)
    return pc.image.TargetImage(data, variance=np.full(image.shape, sigma**2), psf=PSF)


def count_renders():
    """Count initialize()'s ProfileRenderer calls (the candidates of the convolved search); returns
    the one-element call counter."""
    count = [0]
    original = ProfileRenderer.__call__

    def counted(*args, **kwargs):
        count[0] += 1
        return original(*args, **kwargs)

    ProfileRenderer.__call__ = counted
    return count


def main(fits):
    renders = count_renders()
    for label, Re, size in CASES:
        truth = dict(center=[0.5 * size + 0.3, 0.5 * size - 0.4], q=0.6, PA=0.7, n=1.5, Re=Re, Ie=1.0)
        seconds, calls, starts, reached = [], [], [], 0
        for seed in SEEDS:
            target = simulated_target(truth, seed, size)
            model = Model(name="g", model_type="sersic galaxy model", target=target)
            renders[0] = 0
            begin = time.perf_counter()
            model.initialize()
            seconds.append(time.perf_counter() - begin)
            calls.append(renders[0])
            starts.append([model[name].value for name in ("Re", "q", "n")])
            if fits:
                result = pc.fit.LM(model).fit()
                reference = pc.fit.LM(Model(name="g", model_type="sersic galaxy model", target=target,
                                            **truth)).fit()
                reached += bool(result.success and result.chi2 - reference.chi2 < 0.1)
        Re_start, q_start, n_start = np.asarray(starts).T
        line = (f"{label}: initialize {1e3 * np.median(seconds):.2f} ms, {np.median(calls):.0f} renders; "
                f"start Re {np.median(Re_start):.2f} px [{np.percentile(Re_start, 10):.2f}, "
                f"{np.percentile(Re_start, 90):.2f}], q {np.median(q_start):.3f}, n {np.median(n_start):.2f}")
        if fits:
            line += f"; fits reaching the minimum {reached}/{len(SEEDS)}"
        print(line)


if __name__ == "__main__":
    main("--fits" in sys.argv[1:])
