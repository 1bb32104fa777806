"""AutoProf's profile plots: a galaxy model's own light profile and the data's median profile."""

import numpy as np

from .fit_plots import _annulus_means


def _checked_galaxy(model, function):
    if not hasattr(model, "_major_axis_brightness"):
        raise TypeError(f"{function}: model must be a galaxy or star model (one with a radial profile), got "
                        f"{type(model).__name__} {getattr(model, 'name', '')!r}")
    model._require_target()


def _brightness_axis(ax, values, zeropoint):
    """values (flux/arcsec^2) as mag/arcsec^2 with a zeropoint, else log10; sets the y label."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if zeropoint is not None:
            ax.set_ylabel("surface brightness [mag/arcsec$^2$]")
            return zeropoint - 2.5 * np.log10(values)
        ax.set_ylabel("log$_{10}$ surface brightness [flux/arcsec$^2$]")
        return np.log10(values)


def galaxy_light_profile(fig, ax, model, rad_unit="arcsec", extend_profile=1.0, resolution=1000):
    """The model's surface brightness (no PSF) along its major axis against radius, arcsec.

    In mag/arcsec^2 when the target has a zeropoint (brighter up), else log10
    flux/arcsec^2. The radii reach ``extend_profile`` times the largest
    distance from the centre to its window's corners. Labelled with the
    model's name (for ``ax.legend()``). ``resolution`` is accepted for
    AutoProf's call: the profile is sampled every half pixel at most.
    Returns the line.
    """
    _checked_galaxy(model, "galaxy_light_profile")
    if rad_unit != "arcsec":
        raise ValueError(f"rad_unit: radii are plotted in arcsec, got {rad_unit!r}")
    values = model._values()
    center = np.asarray(values["center"], float)
    window = model.window
    (x0, x1), (y0, y1) = window.pixel_bounds
    px, py = window.image.pixel_to_plane(np.array([x0, x1, x0, x1], float) - 0.5,
                                         np.array([y0, y0, y1, y1], float) - 0.5)
    reach = extend_profile * float(np.max(np.hypot(np.asarray(px) - center[0], np.asarray(py) - center[1])))
    radii, brightness = model._major_axis_brightness(values, max(reach, 1e-6))
    shown = _brightness_axis(ax, brightness, getattr(model.target, "zeropoint", None))
    keep = np.isfinite(shown) & (radii <= reach)
    (line,) = ax.plot(radii[keep], shown[keep], label=model.name)
    if getattr(model.target, "zeropoint", None) is not None and not ax.yaxis_inverted():
        ax.invert_yaxis()
    ax.set_xlabel("semi-major radius [arcsec]")
    return line


def radial_median_profile(fig, ax, model, count_limit=10, return_profile=False, rad_unit="arcsec"):
    """The data's median surface brightness in elliptical annuli about a galaxy model's centre (its own
    q and PA), against semi-major radius in arcsec, on the model's window (masked pixels left out).

    Annuli grow geometrically from half a pixel; those with fewer than
    ``count_limit`` pixels are not drawn. Units as ``galaxy_light_profile``.
    Returns the line, or with ``return_profile`` (radii arcsec, median
    flux/arcsec^2, 16-84% half-range / sqrt(count)).
    """
    _checked_galaxy(model, "radial_median_profile")
    if rad_unit != "arcsec":
        raise ValueError(f"rad_unit: radii are plotted in arcsec, got {rad_unit!r}")
    values = model._values()
    target = model.target[model.window]
    ny, nx = target.shape
    jj, ii = np.meshgrid(np.arange(nx), np.arange(ny))
    x, y = target.pixel_to_plane_affine(jj, ii)
    center, q, pa = np.asarray(values["center"], float), float(values.get("q", 1.0)), float(values.get("PA", 0.0))
    dx, dy = np.asarray(x) - center[0], np.asarray(y) - center[1]
    a = dx * np.cos(pa) + dy * np.sin(pa)
    b = -dx * np.sin(pa) + dy * np.cos(pa)
    radius = np.hypot(a, b / q)
    surface = np.asarray(target.data, float) / target.pixel_area
    keep = ~np.asarray(getattr(target, "mask", np.zeros(target.shape, bool)), bool)
    pixel = float(np.sqrt(target.pixel_area))
    edges = np.concatenate([[0.0], np.geomspace(0.5 * pixel, max(radius[keep].max(), pixel), 40)])
    mids, medians, errors = [], [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = keep & (radius >= lo) & (radius < hi)
        count = int(inside.sum())
        if count < count_limit:
            continue
        pixels = surface[inside]
        mids.append(0.5 * (lo + hi))
        medians.append(np.median(pixels))
        errors.append(0.5 * np.subtract(*np.percentile(pixels, [84, 16])) / np.sqrt(count))
    mids, medians, errors = np.array(mids), np.array(medians), np.array(errors)
    if return_profile:
        return mids, medians, errors
    shown = _brightness_axis(ax, medians, getattr(model.target, "zeropoint", None))
    (line,) = ax.plot(mids, shown, "o", ms=3, label=f"{model.name} data median")
    ax.set_xlabel("semi-major radius [arcsec]")
    return line


def psf_image(fig, ax, psf, cmap="inferno", colorbar=True):
    """A PSF image (PSFImage or 2-D array) in log10 of its pixel values, its centre at (0, 0),
    axes in pixels. Returns the image artist."""
    data = np.asarray(getattr(psf, "data", psf), dtype=float)
    if data.ndim != 2:
        raise ValueError(f"psf must be a 2-D image, got shape {data.shape}")
    ny, nx = data.shape
    with np.errstate(divide="ignore", invalid="ignore"):
        shown = np.log10(np.where(data > 0, data, np.nan))
    artist = ax.imshow(shown, origin="lower", cmap=cmap,
                       extent=(-nx / 2, nx / 2, -ny / 2, ny / 2))
    ax.set_xlabel("pixels")
    if colorbar:
        fig.colorbar(artist, ax=ax, label="log$_{10}$ PSF")
    return artist
