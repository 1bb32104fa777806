"""Where a small fit's time goes: build, initialize() and fit.LM(...).fit() of small cutouts.

The survey's common case: one isolated galaxy on a small cutout, fitted with a
PSF-convolved Sersic plus a flat sky. Two cases:

- ``--bands 1``: one 48x48 image (1"/px), a 25x25 Gaussian PSF (FWHM 3 px),
  noise-only variance: Sersic + flat sky.
- ``--bands 3``: the same galaxy in three images of the same 9.6" patch at
  0.1"/0.2"/0.4" per pixel (96x96, 48x48 and 24x24 px, Gaussian PSFs of
  FWHM 0.3"/0.6"/1.2"): a Sersic per image with centre, q, PA, n and Re shared
  (``add_equality_constraint``), Ie and a flat sky per image.

For each of ``--repeat`` noise realisations the script times (CPU time of this
process, ``time.process_time``: the machine may be shared) building the
images and models, ``initialize()`` and the fit, and reports medians and the
implied sources per CPU-second. It then times one evaluation of the fit's
normal equations (what the LM loop calls once per step) against the core's
own render calls for the same components, so that the Python layer's share
of a step is visible. ``--profile`` prints the cProfile table of the whole
loop (build + initialize + fit).

    python bench/small_fit_overhead.py [--bands 1|3] [--repeat 30] [--guess catalogue|pixel] [--psf-array]
                                       [--profile]
"""

import argparse
import cProfile
import pstats
import time

import numpy as np

import polychrome as pc
from polychrome import _core
from polychrome.fit.model_problem import ModelProblem
from polychrome.image import PSFImage, TargetImage, TargetImageList
from polychrome.utils.initialize import gaussian_psf

TRUTH = dict(q=0.6, PA=0.7, n=1.5)
SHARED = ["center", "q", "PA", "n", "Re"]


def single_band_case():
    """[(shape, arcsec/px, origin, PSF FWHM arcsec, PSF width px, Ie, noise sigma)], centre, Re."""
    return [((48, 48), 1.0, (0.0, 0.0), 3.0, 25, 0.5, 0.05)], (24.3, 23.8), 4.0


def three_band_case():
    """Three images of one 9.6" patch centred on (0, 0), finer to coarser."""
    images = [((96, 96), 0.1, (-4.8, -4.8), 0.3, 25, 0.5, 0.02),
              ((48, 48), 0.2, (-4.8, -4.8), 0.6, 25, 0.9, 0.05),
              ((24, 24), 0.4, (-4.8, -4.8), 1.2, 25, 1.2, 0.2)]
    return images, (0.03, -0.02), 0.6


# One PSFImage per band, shared by every source's cutout (as a survey worker keeps its PSFs);
# --psf-array passes the array instead (a new PSF object, transforms and moments per source).
_PSFS = {}


def make_targets(images, data=None, psf_array=False):
    targets = []
    for k, (shape, scale, origin, fwhm, width, _, sigma) in enumerate(images):
        psf = gaussian_psf(fwhm / 2.3548, width, scale)
        if not psf_array:
            psf = _PSFS.setdefault((k, shape, scale, fwhm, width), PSFImage(psf, pixelscale=scale))
        pixels = np.zeros(shape) if data is None else data[k]
        targets.append(TargetImage(pixels, variance=np.full(shape, sigma**2), pixelscale=scale,
                                   origin=origin, psf=psf))
    return targets


def clean_images(images, center, Re):
    """Noise-free data: the truth rendered by the models themselves."""
    out = []
    for target, image in zip(make_targets(images), images):
        model = pc.models.Model(name="g", model_type="sersic galaxy model", target=target, center=list(center),
                                Re=Re, Ie=image[5], **TRUTH)
        out.append(np.array(model.sample().data))
    return out


def build(images, data, center_guess, psf_array=False):
    """The group of a Sersic (shape shared across images) and a flat sky per image."""
    targets = make_targets(images, data, psf_array)
    members = []
    galaxies = []
    for k, target in enumerate(targets):
        galaxy = pc.models.Model(name=f"g{k}", model_type="sersic galaxy model", target=target,
                                 center=list(center_guess))
        if galaxies:
            galaxy.add_equality_constraint(galaxies[0], SHARED)
        galaxies.append(galaxy)
        members += [galaxy, pc.models.Model(name=f"s{k}", model_type="flat sky model", target=target)]
    group_target = targets[0] if len(targets) == 1 else TargetImageList(targets)
    return pc.models.Model(name="grp", model_type="group model", models=members, target=group_target), galaxies


def fit_once(images, data, center_guess, psf_array=False):
    """(seconds build, initialize, fit), the result, the first galaxy."""
    t0 = time.process_time()
    group, galaxies = build(images, data, center_guess, psf_array)
    t1 = time.process_time()
    group.initialize()
    t2 = time.process_time()
    result = pc.fit.LM(group).fit()
    t3 = time.process_time()
    return (t1 - t0, t2 - t1, t3 - t2), result, galaxies[0], group


def repeated(function, minimum=0.2):
    """Median CPU seconds per call of function(), over calls lasting about `minimum` s in all."""
    times = []
    start = time.process_time()
    while time.process_time() - start < minimum or len(times) < 5:
        t0 = time.process_time()
        function()
        times.append(time.process_time() - t0)
    return float(np.median(times))


def core_calls(group, problem):
    """The core's own calls of one normal-equations evaluation of ``problem`` (each component
    rendered with its Jacobian on its render window; the accumulation of each target's normal
    equations over its window), as argument-free callables."""
    calls = []
    for target, window in zip(group.targets, group.windows):
        rows = sum(problem.free.slice_of(p) is not None and p.size for c in group.components()
                   if c.target is target for p in c.parameters)
        pixels = window.shape[0] * window.shape[1]
        r, w, J = np.ones(pixels), np.ones(pixels), np.ones((rows, pixels))
        calls.append(lambda r=r, w=w, J=J: _core.normal_equations(r, w, J, 1))
    for component in group.components():
        if not hasattr(component, "profile"):
            continue
        values = component._values()
        window = component.render_window
        args = (component.profile, component._core_parameters(values), [], tuple(window.shape),
                tuple(float(v) for v in window.origin), np.asarray(component._target.pixelscale, float),
                tuple(float(v) for v in values["center"]), float(values["q"]), float(values["PA"]), True,
                1e-5, 1e-9, 14, 1)
        convolver = component._target.psf.convolver
        calls.append(lambda args=args, convolver=convolver: _core.render_convolved(*args, convolver, 1))
    return calls


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bands", type=int, choices=(1, 3), default=1)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="print the cProfile table of the loop")
    parser.add_argument("--guess", choices=("catalogue", "pixel"), default="catalogue",
                        help="the given centre: the truth off by (-0.27, 0.19) px, or rounded to whole pixels "
                             "(a pixel corner, where the first render is slowest)")
    parser.add_argument("--psf-array", action="store_true",
                        help="give each cutout its PSF as an array (a new PSF object per source)")
    args = parser.parse_args()
    images, center, Re = single_band_case() if args.bands == 1 else three_band_case()
    clean = clean_images(images, center, Re)
    rng = np.random.default_rng(1)
    scale = images[0][1]
    if args.guess == "catalogue":  # a catalogue position, off by a fraction of a pixel
        guess = np.asarray(center) + np.array([-0.27, 0.19]) * scale
    else:  # rounded to whole pixels of the first image: a pixel corner (as /tmp/smallfit.py had it)
        guess = np.round(np.asarray(center) / scale) * scale
    realisations = [[c + rng.normal(0.0, image[6], c.shape) for c, image in zip(clean, images)]
                    for _ in range(args.repeat)]
    pc.set_threads(1)
    fit_once(images, realisations[0], guess, args.psf_array)  # warm-up: caches, FFT plans
    profiler = cProfile.Profile() if args.profile else None
    times, iterations, results = [], [], []
    if profiler:
        profiler.enable()
    for data in realisations:
        phase, result, galaxy, group = fit_once(images, data, guess, args.psf_array)
        times.append(phase)
        iterations.append(result.iterations)
        results.append((galaxy["Re"].value, galaxy["n"].value, result.message))
    if profiler:
        profiler.disable()
    build_s, init_s, fit_s = np.median(np.array(times), axis=0)
    total = np.median(np.sum(times, axis=1))
    print(f"case: {args.bands} band(s), images {[image[0] for image in images]}, {args.repeat} realisations, "
          f"1 thread, centre guess {args.guess}, PSF {'arrays' if args.psf_array else 'objects shared'}, "
          "CPU time (process_time) medians")
    print(f"  build {build_s * 1e3:7.2f} ms   initialize {init_s * 1e3:7.2f} ms   fit {fit_s * 1e3:7.2f} ms "
          f"({np.median(iterations):.0f} iterations)   total {total * 1e3:7.2f} ms "
          f"= {1.0 / total:6.1f} sources per CPU-second")
    Re_fit = np.array([r[0] for r in results])
    n_fit = np.array([r[1] for r in results])
    print(f"  Re {np.median(Re_fit):.4f} (truth {Re})  n {np.median(n_fit):.4f} (truth {TRUTH['n']})  "
          f"messages {sorted(set(r[2] for r in results))}")
    # one LM step: the normal equations at the fitted point, against the core's render calls
    with group.automatic_windows_held():
        problem = ModelProblem(group)
        x = problem.free.get_values()
        step = repeated(lambda: problem.normal_equations(x))
        chi2 = repeated(lambda: problem.chi2(x))
        calls = core_calls(group, problem)
        core = sum(repeated(call) for call in calls)
    setup = repeated(lambda: ModelProblem(group))
    print(f"  per step: normal equations {step * 1e3:.3f} ms, chi2 alone {chi2 * 1e3:.3f} ms, "
          f"of which the core's {len(calls)} calls (render+Jacobian, normal equations) {core * 1e3:.3f} ms "
          f"(Python layer {100 * (1 - core / step):.0f}%); ModelProblem build {setup * 1e3:.3f} ms")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
