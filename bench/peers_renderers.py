"""Each peer's single-image renderer, and the reference images they are
measured against.

make_<peer>(grid, threads, nominal[, psf]) builds a renderer for polychrome,
pyimfit, AstroPhot or GalSim; the references are GalSim's real-space
rendering (no PSF; cached in bench/output/) and the exact pixel integrals
convolved with the PSF by scipy. The render and convolved cases (peers_render)
time these renderers, the fit case fits the convolved reference plus noise.
"""

import contextlib
import dataclasses
import hashlib
import io
import json
import math
import time
from pathlib import Path

import numpy as np

from peers_common import (astrophot_model_values, astrophot_parameters, galsim_sersic, imfit_parameters,
                          import_astrophot_torch, polychrome_render)
from peers_measure import flux_relative_error, max_relative_error

OUTPUT_DIR = Path(__file__).resolve().parent / "output"

# GalSim real-space integration tolerances of the reference image. 1e-10 is
# the tightest GalSim completes (1e-11 makes its integrator give up); the
# convergence check compares with LOOSE_REFERENCE_GSPARAMS.
REFERENCE_GSPARAMS = {"realspace_relerr": 1e-10, "realspace_abserr": 1e-14}
LOOSE_REFERENCE_GSPARAMS = {"realspace_relerr": 1e-8, "realspace_abserr": 1e-12}


# ----------------------------------------------------------------------------
# Renderers: make_<peer>(grid, threads, nominal) -> render(sersic) -> image
# [ny, nx] (flux per pixel). `nominal` is the Sersic the peer's objects are
# set up with. Each raises ImportError when its package is missing. Setup
# (object creation, first call) happens in make_*; render() is what is timed.
# With a `psf` keyword (see moffat_psf_image) the image is PSF-convolved.
# ----------------------------------------------------------------------------


def make_polychrome(grid, threads, nominal=None, psf=None, jacobian=False, tolerance=1e-5):
    """polychrome.render_profile (default tolerance 1e-5 relative per pixel);
    with `psf` a PsfConvolver is built once (it caches the PSF spectrum) and
    the profile is rendered on the window grown by the PSF half-width and
    FFT-convolved; with jacobian=True render() returns (image, jacobian)."""
    import polychrome

    convolver = None if psf is None else polychrome.PsfConvolver(psf)

    def render(s):
        return polychrome_render(s, (grid.ny, grid.nx), pixelscale=grid.pixelscale, psf=convolver,
                                 jacobian=jacobian, tolerance=tolerance, threads=threads)

    return render


def make_pyimfit(grid, threads, nominal, psf=None):
    """Imfit's Sersic function through pyimfit, default subsampling; with
    `psf` (an image) Imfit convolves by FFT, padding the model.

    Imfit conventions: x0, y0 in 1-based pixel coordinates where pixel centres
    are integers (so x0 = x/ps + 0.5); PA in degrees counter-clockwise from +y
    (PA_imfit = PA_deg + 90); ell = 1 - q; r_e in pixels; I_e linear, flux per
    pixel at r_e.
    """
    import pyimfit

    ps = grid.pixelscale
    p0 = imfit_parameters(nominal, ps)
    description = pyimfit.SimpleModelDescription()
    description.x0.setValue(p0["X0"])
    description.y0.setValue(p0["Y0"])
    function = pyimfit.make_imfit_function("Sersic")
    for name in ("PA", "ell", "n", "I_e", "r_e"):
        getattr(function, name).setValue(p0[name])
    description.addFunction(function)
    imfit = pyimfit.Imfit(description, psf=psf, maxThreads=threads)
    with contextlib.redirect_stdout(io.StringIO()):  # pyimfit prints a debug line here
        imfit.getModelImage(shape=(grid.ny, grid.nx))
    names = [name.rsplit("_", 1)[0] for name in imfit.numberedParameterNames]  # "X0_1" -> "X0"

    def render(s):
        p = imfit_parameters(s, ps)
        return imfit.getModelImage(newParameters=np.array([p[name] for name in names]))

    return render


def make_astrophot(grid, threads, nominal, psf=None):
    """AstroPhot's "sersic galaxy model" on a target with the same grid,
    default sampling (midpoint + 'bright' adaptive integration), float64;
    with `psf` (an image at the target's scale) the model is convolved.

    AstroPhot conventions (models/mixins/transform.py, image/func/wcs.py):
    with CD = diag(ps) and crpix = crtan = 0 the plane position of pixel
    centre (i, j) is ps * (j, i), so its centre = polychrome's - ps/2; PA in
    radians from +y, counter-clockwise for this CD (PA_ap = PA + pi/2); Ie is
    linear flux/arcsec^2; Re arcsec, semi-major.
    """
    ap, torch = import_astrophot_torch(threads)
    target = ap.TargetImage(data=np.zeros((grid.ny, grid.nx)), pixelscale=grid.pixelscale,
                            zeropoint=0.0, psf=None if psf is None else ap.PSFImage(data=psf))
    shift = 0.5 * grid.pixelscale
    center, values = astrophot_model_values(astrophot_parameters(nominal, shift))
    model = ap.Model(name="sersic", model_type="sersic galaxy model", target=target,
                     psf_convolve=psf is not None, center=center, **values)
    names = model.build_params_array_names()

    def render(s):
        p = astrophot_parameters(s, shift)
        vector = torch.tensor([p[name] for name in names], dtype=torch.float64)
        return model(vector).data.detach().cpu().numpy()

    return render


def galsim_offset(s, grid):
    """GalSim puts the profile at the image's true centre, plane position
    (nx/2, ny/2) * ps here; the offset (pixels) that moves it to (s.x, s.y)."""
    return (s.x / grid.pixelscale - grid.nx / 2, s.y / grid.pixelscale - grid.ny / 2)


def galsim_draw(s, grid, method, gsparams=None):
    """Draw with GalSim in float64, at galsim_offset from the image's centre."""
    image = galsim_sersic(s, gsparams).drawImage(
        nx=grid.nx, ny=grid.ny, scale=grid.pixelscale, method=method, offset=galsim_offset(s, grid),
        dtype=np.float64)
    return image.array


def make_galsim(grid, threads, nominal):
    """GalSim's default drawImage (method 'auto' = FFT convolution with the
    pixel for a Sersic), default gsparams. GalSim is single-threaded here."""
    import galsim  # noqa: F401  (ImportError if missing)

    def render(s):
        return galsim_draw(s, grid, "auto")

    return render


def make_galsim_psf(grid, threads, nominal, psf=None):
    """GalSim: the Sersic convolved with the PSF image as an InterpolatedImage
    (which already holds the pixel response), drawn without a further pixel."""
    import galsim

    psf_object = galsim.InterpolatedImage(galsim.ImageD(psf, scale=grid.pixelscale))

    def render(s):
        return galsim.Convolve(galsim_sersic(s), psf_object).drawImage(
            nx=grid.nx, ny=grid.ny, scale=grid.pixelscale, method="no_pixel",
            offset=galsim_offset(s, grid), dtype=np.float64).array

    return render


# ----------------------------------------------------------------------------
# Reference images
# ----------------------------------------------------------------------------


def convolved_reference(sersic, grid, psf):
    """Exact pixel integrals (polychrome at tolerance 1e-10, itself checked
    against GalSim real-space in the render case) over the image grown by the
    PSF half-width, convolved with the PSF by scipy.signal.fftconvolve (an
    independent convolution), cropped to the image."""
    from scipy.signal import fftconvolve

    hy, hx = psf.shape[0] // 2, psf.shape[1] // 2
    ps = grid.pixelscale
    grown = polychrome_render(sersic, (grid.ny + 2 * hy, grid.nx + 2 * hx), pixelscale=ps,
                              origin=(-hx * ps, -hy * ps), tolerance=1e-10)
    return fftconvolve(grown, psf, mode="same")[hy:hy + grid.ny, hx:hx + grid.nx]


def reference_image(sersic, grid):
    """GalSim real-space (pixel-integrated) rendering at REFERENCE_GSPARAMS,
    computed once per parameters and cached in bench/output/.

    Returns (image, info) with info["convergence"] = max relative difference
    from the looser LOOSE_REFERENCE_GSPARAMS rendering over bright pixels.
    """
    import galsim

    key = {"sersic": dataclasses.asdict(sersic), "grid": dataclasses.asdict(grid),
           "gsparams": REFERENCE_GSPARAMS, "galsim": galsim.__version__}
    digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    path = OUTPUT_DIR / f"reference_sersic_{grid.ny}x{grid.nx}_{digest}.npz"
    if path.exists():
        cached = np.load(path)
        return cached["image"], {"path": path, "convergence": float(cached["convergence"]),
                                 "scipy_check": float(cached["scipy_check"]),
                                 "seconds": float(cached["seconds"]), "cached": True}
    t0 = time.perf_counter()
    image = galsim_draw(sersic, grid, "real_space", galsim.GSParams(**REFERENCE_GSPARAMS))
    seconds = time.perf_counter() - t0
    loose = galsim_draw(sersic, grid, "real_space", galsim.GSParams(**LOOSE_REFERENCE_GSPARAMS))
    convergence = max_relative_error(loose, image)
    scipy_check = scipy_pixel_check(sersic, grid, image)
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    np.savez(path, image=image, convergence=convergence, scipy_check=scipy_check,
             seconds=seconds, key=json.dumps(key, sort_keys=True))
    return image, {"path": path, "convergence": convergence, "scipy_check": scipy_check,
                   "seconds": seconds, "cached": False}


def scipy_pixel_check(sersic, grid, image, count=5):
    """Independent check of a few pixels (the peak and pixels at 1, 3, 10 and
    30 Re along +x): integrate the profile over each with scipy's dblquad and
    return the largest |image/dblquad - 1| (dimensionless)."""
    from scipy import integrate

    b, ps = sersic.b(), grid.pixelscale
    cos_pa, sin_pa = math.cos(sersic.PA), math.sin(sersic.PA)

    def brightness(y, x):  # flux/arcsec^2 at plane (x, y) arcsec
        dx, dy = x - sersic.x, y - sersic.y
        major, minor = dx * cos_pa + dy * sin_pa, (dy * cos_pa - dx * sin_pa) / sersic.q
        radius = math.hypot(major, minor) / sersic.Re
        return 10**sersic.Ie * math.exp(-b * (radius ** (1 / sersic.n) - 1))

    i0, j0 = np.unravel_index(np.argmax(image), image.shape)
    pixels = [(i0, j0)] + [(i0, j0 + round(k * sersic.Re / ps)) for k in (1, 3, 10, 30)]
    worst = 0.0
    for i, j in pixels[:count]:
        if not (0 <= i < grid.ny and 0 <= j < grid.nx):
            continue
        value, _ = integrate.dblquad(brightness, j * ps, (j + 1) * ps, i * ps, (i + 1) * ps,
                                     epsabs=0.0, epsrel=1e-12)
        worst = max(worst, abs(image[i, j] / value - 1))
    return worst


def report_reference(sersic, grid, reference, info, threads):
    """Print how the reference was made and how well it is converged, and
    compare it with polychrome at a tight tolerance (an independent method)."""
    origin = f"cached {info['path'].name}" if info["cached"] else f"computed in {info['seconds']:.1f} s"
    print(f"reference: GalSim real_space {REFERENCE_GSPARAMS} ({origin}); max rel change from "
          f"relerr {LOOSE_REFERENCE_GSPARAMS['realspace_relerr']:g}: {info['convergence']:.1e}; "
          f"vs scipy dblquad on 5 pixels: {info['scipy_check']:.1e}")
    print(f"reference image sum / analytic total flux - 1 = "
          f"{reference.sum() / sersic.total_flux() - 1:.3e} (light outside the image)")
    tight = make_polychrome(grid, threads, tolerance=1e-10)(sersic)
    print(f"cross-check: polychrome at tolerance 1e-10 vs reference: max rel err "
          f"{max_relative_error(tight, reference):.1e}, flux rel err "
          f"{flux_relative_error(tight, reference):.1e}")
