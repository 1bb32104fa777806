"""Fit cases of peers.py: `fit` (the convolved case's Sersic on a noisy
image, polychrome vs pyimfit and AstroPhot) and `joint_fit` (the joint case's
three noisy images, polychrome vs AstroPhot).

Each fitter starts from the same perturbed Sersic (fit_start) on the same
noisy, PSF-convolved data and returns its best-fit model image(s), Sersic
and iteration count; each runs in its own process, and chi^2/ndf is
computed the same way for all from their model images.
"""

import contextlib
import dataclasses
import io
import math

import numpy as np

from peers_common import (SINGLE_GRID, SINGLE_SERSIC, astrophot_model_values, astrophot_parameters,
                          imfit_parameters, import_astrophot_torch, moffat_psf_image)
from peers_joint import (JOINT_IMAGES, JOINT_SERSIC, astrophot_joint_group, astrophot_joint_targets,
                         joint_reference, polychrome_joint_group)
from peers_measure import median_seconds, run_isolated
from peers_renderers import convolved_reference


def fit_start(truth):
    """The perturbed start shared by every fitter: centre 2 px off, q - 0.15,
    PA + 20 deg, n - 0.5, Re x 1.3, flux x 0.6."""
    return dataclasses.replace(truth, x=truth.x + 1.4, y=truth.y - 1.4, q=truth.q - 0.15,
                               PA=truth.PA + math.radians(20.0), n=truth.n - 0.5, Re=1.3 * truth.Re,
                               Ie=truth.Ie + math.log10(0.6))


def polychrome_best(model, start):
    """The Sersic a fitted polychrome sersic model holds (start's type)."""
    c = model["center"].value
    return dataclasses.replace(start, x=c[0], y=c[1], q=model["q"].value, PA=model["PA"].value,
                               n=model["n"].value, Re=model["Re"].value, Ie=model["Ie"].value)


# ----------------------------------------------------------------------------
# Single image: fit_<peer>(data, sigma, psf, start, threads) -> (best-fit
# model image, Sersic, iterations)
# ----------------------------------------------------------------------------


def fit_polychrome(data, sigma, psf, start, threads):
    """polychrome: fit.LM on a sersic galaxy model of a TargetImage with the PSF."""
    import polychrome

    target = polychrome.image.TargetImage(data, variance=np.full(data.shape, sigma**2), psf=psf)
    model = polychrome.models.Model(name="gal", model_type="sersic galaxy model", target=target,
                                    center=[start.x, start.y], q=start.q, PA=start.PA, n=start.n,
                                    Re=start.Re, Ie=start.Ie)
    result = polychrome.fit.LM(model).fit()
    best = polychrome_best(model, start)
    return model.sample().data, best, result.iterations


def fit_pyimfit(data, sigma, psf, start, threads):
    """pyimfit: Imfit's Levenberg-Marquardt (solver "LM") with the PSF."""
    import pyimfit

    p0 = imfit_parameters(start, 1.0)
    description = pyimfit.SimpleModelDescription()
    description.x0.setValue(p0["X0"], [start.x - 10, start.x + 10])
    description.y0.setValue(p0["Y0"], [start.y - 10, start.y + 10])
    function = pyimfit.make_imfit_function("Sersic")
    function.PA.setValue(p0["PA"], [-180, 360])
    function.ell.setValue(p0["ell"], [0.0, 0.95])
    function.n.setValue(p0["n"], [0.36, 10])
    function.I_e.setValue(p0["I_e"], [1e-6, 1e6])
    function.r_e.setValue(p0["r_e"], [0.1, 200])
    description.addFunction(function)
    imfit = pyimfit.Imfit(description, psf=psf, maxThreads=threads)
    with contextlib.redirect_stdout(io.StringIO()):
        result = imfit.fit(data, error=np.full(data.shape, sigma), solver="LM")
    p = dict(zip([n.rsplit("_", 1)[0] for n in imfit.numberedParameterNames], result.params))
    best = dataclasses.replace(start, x=p["X0"] - 0.5, y=p["Y0"] - 0.5, q=1 - p["ell"],
                               PA=math.radians(p["PA"] - 90.0) % math.pi, n=p["n"], Re=p["r_e"],
                               Ie=math.log10(p["I_e"]))
    with contextlib.redirect_stdout(io.StringIO()):
        image = imfit.getModelImage(newParameters=result.params)
    return image, best, int(imfit.nIter)


def fit_astrophot(data, sigma, psf, start, threads):
    """AstroPhot 0.18: its LM on a sersic galaxy model with the PSF."""
    ap, torch = import_astrophot_torch(threads)
    target = ap.TargetImage(data=data, variance=np.full(data.shape, sigma**2), pixelscale=1.0,
                            zeropoint=0.0, psf=ap.PSFImage(data=psf))
    center, start_values = astrophot_model_values(astrophot_parameters(start, 0.5))
    model = ap.Model(name="gal", model_type="sersic galaxy model", target=target, center=center,
                     **start_values)
    optimizer = ap.fit.LM(model).fit()
    names = model.build_params_array_names()
    values = dict(zip(names, np.asarray(optimizer.res(), dtype=float)))
    best = dataclasses.replace(start, x=values["center_0"] + 0.5, y=values["center_1"] + 0.5,
                               q=values["q"], PA=(values["PA"] - math.pi / 2) % math.pi,
                               n=values["n"], Re=values["Re"], Ie=math.log10(values["Ie"]))
    image = model(torch.tensor(optimizer.res(), dtype=torch.float64)).data.detach().cpu().numpy()
    return image, best, len(optimizer.loss_history)


# ----------------------------------------------------------------------------
# Reporting
# ----------------------------------------------------------------------------


def sersic_columns(s, with_ie=True):
    """A Sersic's parameters as fixed-width table columns (PA in degrees)."""
    text = f"{s.x:8.3f} {s.y:8.3f} {s.q:6.3f} {math.degrees(s.PA):7.2f} {s.n:6.3f} {s.Re:7.3f}"
    return text + (f" {s.Ie:7.3f}" if with_ie else "")


def print_fit_header(parameter_columns, truth_columns):
    """The column titles (fitter, time, ratio, iterations, chi2/ndf, then
    `parameter_columns`) and the truth row (`truth_columns` under them)."""
    print(f"{'fitter':<12} {'wall s':>8} {'x polychrome':>13} {'iter':>5} {'chi2/ndf':>9}   "
          + parameter_columns)
    print(f"{'truth':<12} {'':>8} {'':>13} {'':>5} {'':>9}   " + truth_columns)


def print_fit_rows(rows, columns):
    """One line per fitter: time, ratio to the first row, iterations, chi2/ndf, columns(row)."""
    base = rows[0]
    for row in rows:
        if "skipped" in row:
            print(f"{row['name']:<12} {row['skipped']}")
            continue
        print(f"{row['name']:<12} {row['seconds']:8.3f} {row['seconds'] / base['seconds']:13.1f} "
              f"{row['iterations']:5d} {row['chi2_ndf']:9.4f}   {columns(row)}")


# ----------------------------------------------------------------------------
# Case fit
# ----------------------------------------------------------------------------


def run_fit(name, fitter, data, sigma, psf, start, threads, repeat):
    """Median wall time of `repeat` fits (fresh objects each), and the last
    fit's chi^2/ndf, parameters and iterations; None if not installed."""
    try:
        seconds, (image, best, iterations) = median_seconds(fitter, (data, sigma, psf, start, threads), repeat)
    except ImportError as err:
        return {"name": name, "skipped": f"not installed ({err.name})"}
    chi2_ndf = float(np.sum((data - image) ** 2) / sigma**2 / (data.size - 7))
    return {"name": name, "seconds": seconds, "chi2_ndf": chi2_ndf, "best": best,
            "iterations": iterations}


def case_fit(repeat, threads):
    """Fit the convolved case's Sersic on a noisy image (Gaussian noise at 2%
    of the peak) from one perturbed start with polychrome, pyimfit and
    AstroPhot (each in its own process): wall time, iterations, chi^2/ndf
    (computed the same way from each fitter's best model image) and the
    recovered parameters."""
    grid, truth = SINGLE_GRID, SINGLE_SERSIC
    psf = moffat_psf_image()
    clean = convolved_reference(truth, grid, psf)
    sigma = 0.02 * clean.max()
    data = clean + np.random.default_rng(7).normal(0.0, sigma, clean.shape)
    start = fit_start(truth)
    repeat = max(1, min(repeat, 5))
    print(f"case fit: the convolved case's Sersic + noise (2% of peak), 256x256, 51x51 Moffat PSF; "
          f"perturbed start {start}; median of {repeat} fits; threads={threads or 'all'}")
    rows = [run_isolated(run_fit, name, fitter, data, sigma, psf, start, threads, repeat)
            for name, fitter in (("polychrome", fit_polychrome), ("pyimfit", fit_pyimfit),
                                 ("astrophot", fit_astrophot))]
    print_fit_header(f"{'x':>8} {'y':>8} {'q':>6} {'PA deg':>7} {'n':>6} {'Re':>7} {'Ie':>7}",
                     sersic_columns(truth))
    print_fit_rows(rows, lambda row: sersic_columns(row["best"]))
    base = rows[0]
    peers = [row for row in rows[1:] if "skipped" not in row]
    if peers:
        fastest = min(peers, key=lambda row: row["seconds"])
        ratio = fastest["seconds"] / base["seconds"]
        worse = base["chi2_ndf"] > min(row["chi2_ndf"] for row in peers) * (1 + 1e-3)
        print(f"verdict: {'PASS' if ratio >= 10 and not worse else 'FAIL'}: {ratio:.1f}x faster than the "
              f"faster peer ({fastest['name']}; target >= 10x), chi2/ndf "
              f"{'worse than' if worse else 'no worse than'} the peers'")


# ----------------------------------------------------------------------------
# Case joint_fit: fit_<peer>_joint(data, start, threads) -> (best-fit model
# images, shared Sersic, Ie per image, iterations)
# ----------------------------------------------------------------------------


def joint_fit_data(truth, seed=5, noise_fraction=0.02):
    """[(data, sigma)] per joint image: the accuracy reference + Gaussian noise."""
    rng = np.random.default_rng(seed)
    out = []
    for clean in joint_reference(truth):
        sigma = noise_fraction * clean.max()
        out.append((clean + rng.normal(0.0, sigma, clean.shape), sigma))
    return out


def fit_polychrome_joint(data, start, threads):
    """polychrome: fit.LM on the joint group (shared center/q/PA/n/Re, Ie per
    image) with each image's data and variance."""
    import polychrome

    group, members = polychrome_joint_group(start)
    for member, (values, sigma) in zip(members, data):
        member.target.data[...] = values
        member.target.variance[...] = sigma**2
    result = polychrome.fit.LM(group).fit()
    shared = polychrome_best(members[0], start)
    images = [image.data for image in group.sample()]
    return images, shared, [m["Ie"].value for m in members], result.iterations


def fit_astrophot_joint(data, start, threads):
    """AstroPhot: its LM on the joint group model (parameters linked by
    pointing them at the first model's), each image with data and variance."""
    ap, torch = import_astrophot_torch(threads)
    group, members = astrophot_joint_group(ap, astrophot_joint_targets(ap, data), start)
    optimizer = ap.fit.LM(group).fit()
    vector = torch.tensor(optimizer.res(), dtype=torch.float64)
    images = [image.data.detach().cpu().numpy() for image in group(vector)]  # sets the best values
    shared = dataclasses.replace(start, x=float(members[0].center.value[0]), y=float(members[0].center.value[1]),
                                 q=float(members[0].q.value), PA=(float(members[0].PA.value) - math.pi / 2) % math.pi,
                                 n=float(members[0].n.value), Re=float(members[0].Re.value),
                                 Ie=math.log10(float(members[0].Ie.value)))
    ies = [math.log10(float(m.Ie.value)) for m in members]
    return images, shared, ies, len(optimizer.loss_history)


def run_joint_fit(name, fitter, data, start, threads, repeat):
    """Median wall time of `repeat` joint fits and the last one's chi^2/ndf
    (the same formula for every fitter), shared parameters and Ie values."""
    try:
        seconds, (images, shared, ies, iterations) = median_seconds(fitter, (data, start, threads), repeat)
    except ImportError as err:
        return {"name": name, "skipped": f"not installed ({err.name})"}
    chi2 = sum(float(np.sum((values - image) ** 2)) / sigma**2 for (values, sigma), image in zip(data, images))
    ndata = sum(values.size for values, _ in data)
    return {"name": name, "seconds": seconds, "chi2_ndf": chi2 / (ndata - 9),
            "shared": shared, "ies": ies, "iterations": iterations}


def case_joint_fit(repeat, threads):
    """Fit the joint case (one Sersic in three images, shared center/q/PA/n/Re,
    Ie per image) on noisy data (2% of each image's peak) from one perturbed
    start, with polychrome and AstroPhot, each in its own process."""
    truth = JOINT_SERSIC
    data = joint_fit_data(truth)
    start = fit_start(truth)
    start = dataclasses.replace(start, x=truth.x + 1.0, y=truth.y - 0.8)  # in arcsec here
    repeat = max(1, min(repeat, 3))
    print(f"case joint_fit: the joint case's three images + noise (2% of each peak); start {start}; "
          f"median of {repeat} fits")
    rows = [run_isolated(run_joint_fit, name, fitter, data, start, threads, repeat)
            for name, fitter in (("polychrome", fit_polychrome_joint), ("astrophot", fit_astrophot_joint))]
    print_fit_header(f"{'x':>8} {'y':>8} {'q':>6} {'PA deg':>7} {'n':>6} {'Re':>7}  Ie per image",
                     f"{sersic_columns(truth, with_ie=False)}  " + " ".join(f"{truth.Ie:7.3f}" for _ in JOINT_IMAGES))
    base = rows[0]
    print_fit_rows(rows, lambda row: sersic_columns(row["shared"], with_ie=False) + "  "
                   + " ".join(f"{ie:7.3f}" for ie in row["ies"]))
    if len(rows) > 1 and "skipped" not in rows[1]:
        ratio = rows[1]["seconds"] / base["seconds"]
        print(f"verdict: {'PASS' if ratio >= 10 else 'FAIL'}: {ratio:.1f}x faster than AstroPhot (target >= 10x)")
