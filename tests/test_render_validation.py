"""Bad input to the renderer raises a clear Python exception naming the argument."""

import math

import numpy as np
import pytest

import polychrome as pc

GOOD = dict(n=2.0, Re=3.0, Ie=0.0)


def render(params=GOOD, profile="sersic", **kw):
    args = dict(center=(5.0, 5.0), q=0.7, PA=0.3)
    args.update(kw)
    return pc.render_profile(profile, params, (10, 10), **args)


@pytest.mark.parametrize("q", [0.0, -0.5, 1.5, math.nan, math.inf])
def test_bad_q(q):
    with pytest.raises(ValueError, match="q must be"):
        render(q=q)


@pytest.mark.parametrize("re", [0.0, -1.0, math.nan, math.inf])
def test_bad_re(re):
    with pytest.raises(ValueError, match="Re must be"):
        render(dict(GOOD, Re=re))


@pytest.mark.parametrize("n", [0.2, 0.35, 10.5, -1.0, math.nan])
def test_bad_sersic_index(n):
    with pytest.raises(ValueError, match=r"n must be in \[0.36"):
        render(dict(GOOD, n=n))


def test_sersic_index_limits_are_accepted():
    assert np.all(np.isfinite(render(dict(GOOD, n=0.36))))
    assert np.all(np.isfinite(render(dict(GOOD, n=10.0))))


@pytest.mark.parametrize("ie", [math.nan, math.inf, -math.inf])
def test_bad_brightness(ie):
    with pytest.raises(ValueError, match="Ie must be finite"):
        render(dict(GOOD, Ie=ie))


@pytest.mark.parametrize("center", [(math.nan, 1.0), (1.0, math.inf)])
def test_bad_center(center):
    with pytest.raises(ValueError, match="center"):
        render(center=center)


def test_bad_position_angle():
    with pytest.raises(ValueError, match="PA must be finite"):
        render(PA=math.nan)


@pytest.mark.parametrize("pixelscale", [0.0, -1.0, math.nan, [[1, 0], [2, 0]], [1, 2, 3], [[1, math.nan], [0, 1]],
                                        [[math.inf, 0], [0, 1]], np.zeros((2, 2))])
def test_bad_pixelscale(pixelscale):
    with pytest.raises(ValueError, match="pixelscale"):
        render(pixelscale=pixelscale)


def test_unknown_profile_lists_known_ones():
    for _ in range(2):  # (a name's check is remembered: a refused one is refused again)
        with pytest.raises(ValueError, match="unknown profile 'sersik'.*sersic"):
            pc.render_profile("sersik", GOOD, (5, 5), center=(0, 0))
    with pytest.raises(TypeError, match="profile must be a string"):
        pc.render_profile(["sersic"], GOOD, (5, 5), center=(0, 0))


def test_truncated_names():
    from polychrome.render import untruncated_name

    assert untruncated_name("inner truncated sersic") == "sersic" == untruncated_name("truncated sersic")
    assert untruncated_name("sersic") == "sersic" and untruncated_name("truncatedsersic") == "truncatedsersic"
    with pytest.raises(ValueError, match="rays and wedges take no truncation"):
        pc.render_profile("truncated sersic/ray:2", GOOD, (5, 5), center=(0, 0))


def test_wrong_parameter_names():
    with pytest.raises(ValueError, match="missing \\['Ie'\\]"):
        render(dict(n=2.0, Re=3.0))
    with pytest.raises(ValueError, match="unexpected \\['flux'\\]"):
        render(dict(GOOD, flux=1.0))


def test_wrong_number_of_values():
    with pytest.raises(ValueError, match="3 values"):
        render([2.0, 3.0])


@pytest.mark.parametrize("profile,params,name",
                         [("gaussian", dict(sigma=-1.0, I0=0.0), "sigma"),
                          ("moffat", dict(n=0.0, Rd=1.0, I0=0.0), "n"),
                          ("moffat", dict(n=2.0, Rd=math.nan, I0=0.0), "Rd"),
                          ("exponential", dict(Re=0.0, Ie=0.0), "Re")])
def test_other_profiles_name_the_bad_parameter(profile, params, name):
    with pytest.raises(ValueError, match=f"{name} must be"):
        render(params, profile=profile)


def test_spline_needs_increasing_knots_and_matching_values():
    with pytest.raises(ValueError, match="knots"):
        render({"I(R)": [1.0, 0.0]}, profile="spline")
    with pytest.raises(ValueError, match="strictly increasing"):
        render({"I(R)": [1.0, 0.0, -1.0]}, profile="spline", knots=[0.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="3 values"):
        render({"I(R)": [1.0, 0.0]}, profile="spline", knots=[0.0, 1.0, 2.0])


@pytest.mark.parametrize("shape", [(-1, 5), (5,), "ab"])
def test_bad_shape(shape):
    with pytest.raises(ValueError, match="shape"):
        pc.render_profile("sersic", GOOD, shape, center=(0, 0))


def test_bad_tolerance():
    with pytest.raises(ValueError, match="tolerance"):
        render(tolerance=0.0)


def test_empty_image_is_fine():
    assert pc.render_profile("sersic", GOOD, (0, 7), center=(0, 0)).shape == (0, 7)


RUNAWAY_SPLINE = """
import resource, numpy as np, polychrome as pc
from polychrome.utils.initialize import gaussian_psf
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
# knot values a fit step once proposed: ln I oscillates by tens of dex and the end slope climbs,
# so that ln I overflows across the PSF-padded window of a needle-thin ellipse
values = [-25.77, 3.541, 0.224, 3.054, -11.35, 5.189, -1.315, -1.175]
knots = [0.0, 0.168, 0.2543, 0.3848, 0.5825, 0.8816, 1.3343, 2.0195]
psf = pc.PsfConvolver(gaussian_psf(0.3, 11, 0.168))
image, jac = pc.render_profile("spline", {"I(R)": values}, (9, 9), center=(0.75, 0.8), q=0.048,
                               PA=1.735, pixelscale=0.168, knots=knots, jacobian=True, psf=psf)
print("rendered", image.shape, jac.shape)
"""


def test_a_runaway_profile_renders_in_bounded_memory():
    """Refinement that never converges stops at a cap per level instead of splitting every cell
    to max_depth (which took > 24 GB and ended the interpreter with std::bad_alloc thrown from
    an OpenMP thread); under a 3 GB address-space limit the render finishes."""
    import os
    import subprocess
    import sys

    if "libasan" in os.environ.get("LD_PRELOAD", ""):
        pytest.skip("AddressSanitizer's shadow memory does not fit under an address-space limit")
    done = subprocess.run([sys.executable, "-c", RUNAWAY_SPLINE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "rendered (9, 9) (12, 9, 9)" in done.stdout
