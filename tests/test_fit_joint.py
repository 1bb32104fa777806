"""A joint fit across three images of different pixel scales, PSFs and
origins (shared centre, q, PA, n, Re; Ie per image), on data simulated
independently: exact pixel integrals (reference_integrals) over each image
grown by the PSF half-width, convolved with the PSF by scipy, plus noise."""

import numpy as np
import pytest

import polychrome as pc
from model_helpers import make_target
from reference_integrals import Profile, reference_image

scipy_signal = pytest.importorskip("scipy.signal")

# (shape, arcsec/pixel, origin, PSF sigma arcsec, PSF width px, Ie)
IMAGES = [((64, 64), 0.262, (0.0, 0.0), 0.45, 15, 0.5),
          ((12, 12), 2.75, (-6.7, -5.2), 2.6, 7, 0.8),
          ((20, 20), 1.5, (-3.4, -4.1), 2.3, 9, 0.3)]
TRUTH = dict(center=(8.31, 8.47), q=0.65, PA=0.7, n=1.8, Re=1.5)
SHARED = ["center", "q", "PA", "n", "Re"]


def _simulate(target, ie, rng, noise_fraction=0.03):
    psf = np.asarray(target.psf.data)
    h = psf.shape[0] // 2
    scale = target.pixelscale[0, 0]
    origin = np.asarray(target.origin) - h * scale
    ny, nx = target.shape
    grown = reference_image(Profile("sersic", dict(n=TRUTH["n"], Re=TRUTH["Re"], Ie=ie)),
                            (ny + 2 * h, nx + 2 * h), TRUTH["center"], TRUTH["q"], TRUTH["PA"],
                            pixelscale=scale, origin=origin, gauss_nodes=10)
    clean = scipy_signal.fftconvolve(grown, psf, mode="same")[h:h + ny, h:h + nx]
    sigma = noise_fraction * clean.max()
    target.data[...] = clean + rng.normal(0.0, sigma, clean.shape)
    target.variance[...] = sigma**2


def test_joint_fit_recovers_the_shared_and_per_image_parameters():
    rng = np.random.default_rng(11)
    targets = [make_target(shape, scale, origin, sigma, width) for shape, scale, origin, sigma, width, _ in IMAGES]
    for target, image in zip(targets, IMAGES):
        _simulate(target, image[5], rng)
    members = [pc.models.Model(name=f"gal{k}", model_type="sersic galaxy model", target=t,
                               center=[TRUTH["center"][0] + 0.3, TRUTH["center"][1] - 0.25], q=0.5,
                               PA=0.9, n=1.3, Re=2.0, Ie=image[5] - 0.2)
               for k, (t, image) in enumerate(zip(targets, IMAGES))]
    for member in members[1:]:
        member.add_equality_constraint(members[0], SHARED)
    group = pc.models.Model(name="joint", model_type="group model", models=members,
                            target=pc.image.TargetImageList(targets))
    result = pc.fit.LM(group).fit()
    assert result.message == "success"
    assert 0.85 < result.chi2_ndf < 1.15
    first = members[0]
    for name in ("q", "PA", "n", "Re"):
        assert abs(first[name].value - TRUTH[name]) < 4 * first[name].uncertainty, name
    assert np.all(np.abs(first["center"].value - TRUTH["center"]) < 4 * first["center"].uncertainty)
    for member, image in zip(members, IMAGES):
        assert abs(member["Ie"].value - image[5]) < 4 * member["Ie"].uncertainty, member.name
        assert member["q"].value == first["q"].value  # still one quantity
