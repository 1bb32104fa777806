"""survey_fit_only's fits with every convolved render's Jacobian perturbed by random noise: is a fit's
response to the single-precision convolution of the Jacobian planes (errors ~1e-7 of each plane's largest
magnitude) its response to any perturbation of that size?

python bench/jacobian_perturbation_fits.py FOLDER [--relative 2e-7] [--seed 0] [--precision double|single]

Each Jacobian plane that render_convolved returns gets relative * (the plane's largest |value|) * N(0, 1)
added to every pixel, but the last one (the log-amplitude's: ln 10 times the image, not convolved on its
own, so exact in either precision); --precision: how the core convolves the planes before that (double:
single_precision_jacobian=False). --relative 0 with --precision double is the double build's fit. Writes
the digests as survey_fit_only.py does (fitted_*.npy, fitstats_*.npy in the field's folder: copy them
aside before, and compare with compare_survey_fits.py).
"""

import argparse
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import survey_fit_only  # noqa: E402

import polychrome as pc  # noqa: E402
from polychrome import _core  # noqa: E402


def perturbing(render_convolved, relative, rng, single):
    """render_convolved with its Jacobian planes (but the last) perturbed in place (the array may be the
    caller's jacobian_out)."""

    def call(*args, **kwargs):
        result = render_convolved(*args, single_precision_jacobian=single, **kwargs)
        if isinstance(result, tuple) and relative > 0:
            for plane in result[1][:-1]:
                plane += relative * np.max(np.abs(plane)) * rng.standard_normal(plane.shape)
        return result

    return call


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=pathlib.Path)
    parser.add_argument("--relative", type=float, default=2e-7)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--precision", choices=("double", "single"), default="double")
    args = parser.parse_args()
    # Before any model is built: ProfileRenderer takes _core.render_convolved when it is made.
    _core.render_convolved = perturbing(_core.render_convolved, args.relative, np.random.default_rng(args.seed),
                                        args.precision == "single")
    pc.set_threads(1)
    survey_fit_only.fit(args.folder, "1band", False)


if __name__ == "__main__":
    main()
