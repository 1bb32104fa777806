"""The core's one-call normal equations of a convolved profile plus uniform offsets
(render_convolved_normal_equations) against render_convolved followed by the residuals in numpy
and _core.normal_equations: the same arithmetic, so the same digits."""

import numpy as np
import pytest

from polychrome import _core
from polychrome.utils.initialize import gaussian_psf

_SHAPE = (23, 27)


def _arguments(single):
    psf = _core.PsfConvolver(gaussian_psf(0.3, 9, 0.2))
    return dict(profile="sersic", params=[2.2, 1.1, 0.4], knot_radii=[], shape=_SHAPE, origin=(-2.0, -2.5),
                pixelscale=np.eye(2) * 0.2, center=(0.3, -0.1), q=0.7, pa=0.4, tolerance=1e-5,
                faint_fraction=1e-9, max_depth=14, threads=None, psf=psf, psf_upsample=1,
                absolute_tolerance=1e-6 if single else 0.0), single


@pytest.mark.parametrize("single", [False, True])
@pytest.mark.parametrize("offsets", [[], [0.25], [0.25, -1e-3]])
def test_one_call_equals_render_then_normal_equations(single, offsets):
    arguments, single = _arguments(single)
    rng = np.random.default_rng(len(offsets))
    n = _SHAPE[0] * _SHAPE[1]
    data, weight = rng.normal(size=n), rng.uniform(0.5, 2.0, n)
    extra = rng.normal(size=(2,) + _SHAPE)  # the caller's rows after the profile's 7
    stack = np.concatenate([np.full((7,) + _SHAPE, np.nan), extra])
    chi2, gradient, hessian = _core.render_convolved_normal_equations(
        **arguments, single_precision_jacobian=single, stack=stack, offsets=offsets, data=data, weight=weight)
    image, jacobian = _core.render_convolved(**arguments, jacobian=True, single_precision_jacobian=single)
    for offset in offsets:  # (added in order, as a fit's plan adds each uniform component)
        image += offset
    reference = np.concatenate([jacobian, extra])
    expected = _core.normal_equations(data - image.ravel(), weight, reference.reshape(len(reference), -1))
    np.testing.assert_array_equal(stack, reference)  # the profile's rows written, the caller's kept
    assert chi2 == expected[0]
    np.testing.assert_array_equal(gradient, expected[1])
    np.testing.assert_array_equal(hessian, expected[2])
    # and against numpy's own products (an independent reference)
    residual = data - image.ravel()
    flat = reference.reshape(len(reference), -1)
    np.testing.assert_allclose(gradient, (flat * weight) @ residual, rtol=1e-10, atol=1e-10 * np.abs(flat).sum())


def test_bad_stack_and_pixels_are_refused_by_name():
    arguments, _ = _arguments(False)
    n = _SHAPE[0] * _SHAPE[1]
    data = weight = np.ones(n)
    call = _core.render_convolved_normal_equations
    with pytest.raises(ValueError, match="stack"):
        call(**arguments, single_precision_jacobian=False, stack=np.zeros((6,) + _SHAPE), offsets=[], data=data,
             weight=weight)
    with pytest.raises(ValueError, match="stack"):
        call(**arguments, single_precision_jacobian=False, stack=np.zeros((8,) + _SHAPE, np.float32), offsets=[],
             data=data, weight=weight)
    with pytest.raises(ValueError, match="data and weight"):
        call(**arguments, single_precision_jacobian=False, stack=np.zeros((8,) + _SHAPE), offsets=[],
             data=data[1:], weight=weight)
