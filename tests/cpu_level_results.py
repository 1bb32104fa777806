"""Results of the CPU kernels at the level this process runs (for
tests/test_cpu_dispatch.py, which runs this script once per level with
POLYCHROME_CPU forcing it): renders with Jacobians of several profiles, the
same convolved with a PSF (the Jacobian in double precision, and the single
precision one's error against it), FFTs and normal equations, saved with np.savez.

    python tests/cpu_level_results.py OUT.npz
"""

import sys

import numpy as np

import polychrome
from polychrome import _core

# (profile, parameters, center, q, PA): a cusp (n = 4), a smooth core, a
# narrow Gaussian, a Moffat, a Nuker cusp and a boxy Sersic (the shaped
# profiles' renderer), each off the pixel grid.
RENDERS = [
    ("sersic", {"n": 4.0, "Re": 6.0, "Ie": 0.0}, (24.3, 23.7), 0.5, 0.4),
    ("sersic", {"n": 1.3, "Re": 9.0, "Ie": 1.0}, (25.1, 24.6), 0.8, 1.9),
    ("gaussian", {"sigma": 0.7, "I0": 0.0}, (23.55, 24.2), 0.6, 0.2),
    ("moffat", {"n": 2.5, "Rd": 3.0, "I0": 0.0}, (24.0, 24.0), 0.9, 2.8),
    ("nuker", {"Rb": 4.0, "alpha": 2.0, "beta": 3.0, "gamma": 0.5, "Ib": 0.0}, (24.2, 23.9), 0.7, 1.1),
    ("sersic/superellipse", {"n": 2.0, "Re": 7.0, "Ie": 0.0, "C0": 0.4}, (24.4, 24.1), 0.6, 0.5),
]
SHAPE = (48, 49)
TOLERANCE = 1e-5


def results():
    rng = np.random.default_rng(5)
    psf = rng.uniform(0.0, 1.0, (9, 9)) + 5.0 * np.outer(np.hanning(9), np.hanning(9))
    convolver = polychrome.PsfConvolver(psf / psf.sum())
    out = {"level": np.array(polychrome.build_info()["level"])}
    for k, (name, params, center, q, pa) in enumerate(RENDERS):
        for psf_arg, tag in ((None, "render"), (convolver, "convolved")):
            # The Jacobian convolved in double (compared between levels to rounding), and in single
            # precision: its planes' largest difference from the double ones over their largest magnitude.
            image, jac = polychrome.render_profile(name, params, SHAPE, center=center, q=q, PA=pa,
                                                   jacobian=True, tolerance=TOLERANCE, psf=psf_arg,
                                                   threads=1, jacobian_precision="double")
            out[f"{tag}{k}"] = image
            out[f"{tag}{k}_jac"] = jac
        single = polychrome.render_profile(name, params, SHAPE, center=center, q=q, PA=pa, jacobian=True,
                                           tolerance=TOLERANCE, psf=convolver, threads=1)[1]
        out[f"single_jacobian_error{k}"] = np.array([np.max(np.abs(a - b)) / np.max(np.abs(b))
                                                     for a, b in zip(single, jac)])
    for shape in [(64, 64), (45, 81), (100, 36), (1, 250)]:
        data = rng.normal(size=shape)
        spectrum = _core.rfft2(data)
        out[f"rfft2_{shape}"] = spectrum
        out[f"irfft2_{shape}"] = _core.irfft2(spectrum, shape)
    for n in [1, 12, 375, 1024]:
        data = rng.normal(size=(3, n)) + 1j * rng.normal(size=(3, n))
        out[f"fft_{n}"] = _core.fft(data)
    for n, p in [(7, 3), (1027, 9), (20011, 7)]:
        residual, weight = rng.normal(size=n), rng.uniform(0.1, 2.0, n)
        jacobian = rng.normal(size=(p, n))
        chi2, gradient, hessian = _core.normal_equations(residual, weight, jacobian, threads=1)
        out[f"normal_{n}_{p}"] = np.concatenate([[chi2], gradient, hessian.ravel()])
    return out


if __name__ == "__main__":
    np.savez(sys.argv[1], **results())
