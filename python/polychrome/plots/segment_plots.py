"""AutoProf's ray_light_profile and wedge_light_profile: one line per segment of a ray or wedge model."""

import numpy as np

from .profile_plots import _brightness_axis


def _segment_light_profiles(fig, ax, model, kind, extend_profile):
    if not hasattr(model, "segment_profiles") or model._sector != kind:
        raise TypeError(f"{kind}_light_profile: model must be a {kind} galaxy model, got "
                        f"{type(model).__name__} {getattr(model, 'name', '')!r}")
    model._require_target()
    values = model._values()
    center = np.asarray(values["center"], float)
    (x0, x1), (y0, y1) = model.window.pixel_bounds
    px, py = model.window.image.pixel_to_plane(np.array([x0, x1, x0, x1], float) - 0.5,
                                               np.array([y0, y0, y1, y1], float) - 0.5)
    reach = extend_profile * float(np.max(np.hypot(np.asarray(px) - center[0], np.asarray(py) - center[1])))
    radii, profiles = model.segment_profiles(max(reach, 1e-6))
    zeropoint = getattr(model.target, "zeropoint", None)
    lines = []
    for k, brightness in enumerate(profiles):
        shown = _brightness_axis(ax, brightness, zeropoint)
        keep = np.isfinite(shown) & (radii <= reach)
        (line,) = ax.plot(radii[keep], shown[keep], label=f"{model.name} {kind} {k}")
        lines.append(line)
    if zeropoint is not None and not ax.yaxis_inverted():
        ax.invert_yaxis()
    ax.set_xlabel("semi-major radius [arcsec]")
    return lines


def ray_light_profile(fig, ax, model, rad_unit="arcsec", extend_profile=1.0, resolution=1000):
    """Each ray's surface brightness (no PSF) against semi-major radius, arcsec, one line per ray
    (labelled "<name> ray k"), units as galaxy_light_profile (mag/arcsec^2 with a zeropoint, else log10
    flux/arcsec^2); ``resolution`` is accepted for AutoProf's call. Returns the lines."""
    if rad_unit != "arcsec":
        raise ValueError(f"rad_unit: radii are plotted in arcsec, got {rad_unit!r}")
    return _segment_light_profiles(fig, ax, model, "ray", extend_profile)


def wedge_light_profile(fig, ax, model, rad_unit="arcsec", extend_profile=1.0, resolution=1000):
    """Each wedge's surface brightness (no PSF) against semi-major radius, arcsec, one line per
    wedge; as ray_light_profile. Returns the lines."""
    if rad_unit != "arcsec":
        raise ValueError(f"rad_unit: radii are plotted in arcsec, got {rad_unit!r}")
    return _segment_light_profiles(fig, ax, model, "wedge", extend_profile)
