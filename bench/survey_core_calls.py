"""What the core's render calls cost in survey fits, with and without Model.set_noise_tolerance.

Simulates the survey demo's field (0.1" pixels with a 37x37 Moffat PSF and
0.2" pixels turned by 30 deg with a 43x43 one, 300 faint small galaxies and
stars: ``simulate_field(bands=DEFAULT_BANDS[:2], n_sources=300,
field_size=90, seed=1)``) in a temporary folder, fits the first ``--groups``
groups with the survey's GroupFitter (serially, in this process) and records
every ``_core.render_convolved`` call (its arguments and CPU time). Then the
recorded calls with a Jacobian are replayed in isolation, each rendered at
the default accuracy and with an absolute tolerance of ``--fraction`` x the
band's noise sigma (what ``model.set_noise_tolerance(fraction)`` asks of the
core), interleaved: CPU times (``time.process_time``), whose ratios hold on a
shared machine. Prints the fits' CPU time per source (default accuracy and
with the tolerance set on every model), then per window shape the mean cost
per call both ways, and the split of a call into the render of the padded
window and the convolution.

    python bench/survey_core_calls.py [--groups 40] [--fraction 1e-3] [--seed 1]
"""

import argparse
import collections
import tempfile
import time

import numpy as np

import polychrome.render as render_module
from polychrome import _core
from polychrome.models.component_model import ComponentModel
from polychrome.survey.catalog import read_catalog
from polychrome.survey.demo import DEMO_MODEL
from polychrome.survey.group_fit import GroupFitter
from polychrome.survey.grouping import plan_groups
from polychrome.survey.image_spec import ImageSpec
from polychrome.survey.model_spec import ModelSpec
from polychrome.survey.sim_bands import DEFAULT_BANDS
from polychrome.survey.simulate import simulate_field


class _RecordingCore:
    """Stands for polychrome._core inside polychrome.render: records render_convolved calls."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return getattr(_core, name)

    def render_convolved(self, *args):
        start = time.process_time()
        result = _core.render_convolved(*args)
        self.calls.append((args, time.process_time() - start))
        return result


def fit_groups(field, groups, fraction):
    """(CPU seconds per source, recorded calls) of fitting the first ``groups`` groups."""
    table = read_catalog(field["catalog"])
    specs = [ImageSpec.from_dict(image) for image in field["images"]]
    spec = ModelSpec.from_dict(DEMO_MODEL)
    tasks = plan_groups(table, specs, spec)[:groups]
    fitter = GroupFitter(specs, spec)
    recorder, saved = _RecordingCore(), render_module._core
    render_module._core, ComponentModel._noise_fraction = recorder, fraction
    try:
        start = time.process_time()
        sources = sum(len(fitter.fit(task)) for task in tasks)
        seconds = time.process_time() - start
    finally:
        render_module._core, ComponentModel._noise_fraction = saved, None
    return seconds / sources, sources, recorder.calls


def replay(args, absolute):
    """CPU seconds of one render_convolved call with the given absolute tolerance (flux per pixel)."""
    start = time.process_time()
    _core.render_convolved(*args[:16], absolute)  # the recorded call less its absolute tolerance
    return time.process_time() - start


def split(args, absolute):
    """(render of the padded window, convolution) CPU seconds of one call."""
    convolver, P = args[14], np.asarray(args[5])
    py, px = convolver.pad
    grid = list(args[:13]) + [1]  # one thread
    grid[3] = (args[3][0] + 2 * py, args[3][1] + 2 * px)
    grid[4] = (args[4][0] - (P[0, 0] * px + P[0, 1] * py), args[4][1] - (P[1, 0] * px + P[1, 1] * py))
    start = time.process_time()
    image, jacobian = _core.render(*grid, absolute / np.abs(convolver.psf).sum())
    rendered = time.process_time() - start
    stack = np.concatenate([image[None], jacobian[:-1]])  # the last column (log10 amplitude) is not convolved
    start = time.process_time()
    convolver.convolve(stack, 1)
    return rendered, time.process_time() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=40)
    parser.add_argument("--fraction", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        field = simulate_field(folder, bands=DEFAULT_BANDS[:2], n_sources=300, field_size=90, seed=options.seed)
        sigma = {image["band"]: _noise_sigma(image) for image in field["images"]}
        per_source, sources, calls = fit_groups(field, options.groups, None)
        loose_per_source, _, loose_calls = fit_groups(field, options.groups, options.fraction)
    print(f"fits of {sources} sources ({options.groups} groups), CPU s per source: default {per_source:.3f}, "
          f"set_noise_tolerance({options.fraction:g}) {loose_per_source:.3f}; render_convolved: "
          f"{len(calls)} calls {sum(t for _, t in calls):.2f} s, with the tolerance {len(loose_calls)} calls "
          f"{sum(t for _, t in loose_calls):.2f} s")
    shapes = collections.defaultdict(list)
    for args, _ in calls:
        if args[9]:
            shapes[tuple(args[3])].append(args)
    print(f"{'window':>10s} {'calls':>6s} {'default ms':>11s} {'tolerance ms':>13s} {'ratio':>6s}")
    totals = np.zeros(2)
    for shape, group in sorted(shapes.items(), key=lambda item: -len(item[1]))[:12]:
        costs = np.zeros(2)
        for args in group:
            absolute = options.fraction * _sigma_of(args, field, sigma)
            costs += [replay(args, 0.0), replay(args, absolute)]
        totals += costs
        print(f"{str(shape):>10s} {len(group):6d} {costs[0] / len(group) * 1e3:11.3f} "
              f"{costs[1] / len(group) * 1e3:13.3f} {costs[1] / costs[0]:6.3f}")
    print(f"{'12 shapes':>10s} {'':6s} {'':11s} {'':13s} {totals[1] / totals[0]:6.3f}")
    sample = [args for group in shapes.values() for args in group][:300]
    parts = np.sum([split(args, options.fraction * _sigma_of(args, field, sigma)) for args in sample], axis=0)
    print(f"with the tolerance, a call's split ({len(sample)} calls): render of the padded window "
          f"{parts[0] / len(sample) * 1e3:.3f} ms, convolution {parts[1] / len(sample) * 1e3:.3f} ms")


def _noise_sigma(image):
    """10th percentile of an image's pixel sigma (as TargetImage.noise_level), from its weight,
    variance or sigma file."""
    from astropy.io import fits

    kind = next(k for k in ("variance", "weight", "sigma") if image.get(k))
    values = fits.getdata(image[kind]).astype(float)
    values = values[np.isfinite(values) & (values > 0)]
    sigma = {"variance": np.sqrt(values), "weight": 1.0 / np.sqrt(values), "sigma": values}[kind]
    return float(np.percentile(sigma, 10.0))


def _sigma_of(args, field, sigma):
    """The noise sigma of the band a recorded call renders on (by its pixel scale: 0.1" or 0.2")."""
    fine = abs(np.linalg.det(np.asarray(args[5]))) ** 0.5 < 0.15
    return sigma[field["images"][0 if fine else 1]["band"]]


if __name__ == "__main__":
    main()
