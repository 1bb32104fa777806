"""Everything a worker receives pickles: images, PSFs, the core's PSF objects, models (fitted or
not, with links, automatic windows, limits and locks) and fit results. An unpickled object must
render and fit bit for bit as the original, with every pickle protocol, also in a "spawn" process."""

import multiprocessing
import pickle

import numpy as np
import pytest
from astropy.wcs import WCS

import polychrome as pc
from model_helpers import make_target
from polychrome.utils.initialize import gaussian_psf

PROTOCOLS = range(2, pickle.HIGHEST_PROTOCOL + 1)
TRUTH = dict(center=[10.3, 9.8], q=0.7, PA=0.4, n=2.0, Re=1.6)


def roundtrip(obj, protocol=pickle.HIGHEST_PROTOCOL):
    return pickle.loads(pickle.dumps(obj, protocol=protocol))


def _wcs(scale_arcsec, rotation, shape):
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [150.0, 2.0]
    w.wcs.crpix = [shape[1] / 2, shape[0] / 2]
    c, s = np.cos(rotation), np.sin(rotation)
    w.wcs.cd = np.array([[-c, s], [s, c]]) * scale_arcsec / 3600.0
    return w


def wcs_target(rng, psf_upsample=2):
    """A 30 x 34 WCS target with a mask, a variance map and a 2x finer PSF."""
    shape = (30, 34)
    mask = np.zeros(shape, bool)
    mask[3:6, 20:25] = True
    return pc.image.TargetImage(rng.normal(size=shape), variance=rng.uniform(0.5, 2.0, shape), mask=mask,
                                psf=gaussian_psf(0.5, 21, 0.4 / psf_upsample), psf_upsample=psf_upsample,
                                wcs=_wcs(0.4, 0.3, shape), zeropoint=22.5)


def assert_same_image(copy, original):
    assert type(copy) is type(original)
    np.testing.assert_array_equal(copy.data, original.data)
    np.testing.assert_array_equal(copy.pixelscale, original.pixelscale)
    np.testing.assert_array_equal(copy.origin, original.origin)
    x, y = np.meshgrid(np.arange(4.0), np.arange(3.0))
    np.testing.assert_array_equal(copy.pixel_to_plane(x, y), original.pixel_to_plane(x, y))


def fitted_joint_group():
    """A fitted Sersic on two targets (different scales and PSFs) sharing its centre, with a
    locked PA on the second and limits on q."""
    rng = np.random.default_rng(5)
    targets = [make_target((40, 40), 0.5, (0.0, 0.0), 0.8, 15), make_target((24, 24), 0.9, (0.4, -0.3), 1.2, 9)]
    truth = [pc.models.Model(name=f"truth{k}", model_type="sersic galaxy model", target=t, Ie=0.5 + 0.2 * k,
                             **TRUTH) for k, t in enumerate(targets)]
    for target, model in zip(targets, truth):
        clean = model.sample().data
        target.data[...] = clean + rng.normal(0.0, 0.01, clean.shape)
        target.variance[...] = 1e-4
    members = [pc.models.Model(name=f"gal{k}", model_type="sersic galaxy model", target=t,
                               center=[10.0, 10.1], q={"value": 0.6, "limits": (0.2, 0.95)}, PA=0.5,
                               n=1.5, Re=2.0, Ie=0.4) for k, t in enumerate(targets)]
    members[1].add_equality_constraint(members[0], ["center"])
    members[1]["PA"].locked = True
    group = pc.models.Model(name="joint", model_type="group model", models=members,
                            target=pc.image.TargetImageList(targets))
    result = pc.fit.LM(group).fit()
    assert result.success
    return group, result


@pytest.fixture(scope="module")
def fitted():
    return fitted_joint_group()


def assert_same_fit(copy, original):
    assert copy.message == original.message and copy.names == original.names
    for name in ("x", "covariance", "uncertainties", "hessian", "unconstrained"):
        np.testing.assert_array_equal(getattr(copy, name), getattr(original, name))
    assert (copy.chi2, copy.ndf, copy.iterations) == (original.chi2, original.ndf, original.iterations)


# --- the core's PSF objects -------------------------------------------------------------------
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_psf_convolver_and_point_source_renderer_roundtrip_bit_for_bit(protocol):
    rng = np.random.default_rng(1)
    psf = rng.uniform(0.1, 1.0, (9, 11)) * 3.7  # its normalised sum is 1 only to rounding
    convolver, renderer = pc.PsfConvolver(psf), pc.PointSourceRenderer(psf)
    padded = rng.normal(size=(2, 30, 42))
    expected = convolver.convolve(padded)  # fills the transform cache: not carried by the pickle
    convolver2, renderer2 = roundtrip(convolver, protocol), roundtrip(renderer, protocol)
    assert type(convolver2) is pc.PsfConvolver and type(renderer2) is pc.PointSourceRenderer
    # the state is the normalised PSF kept bit for bit, not normalised a second time
    np.testing.assert_array_equal(convolver2.psf, convolver.psf)
    np.testing.assert_array_equal(renderer2.psf, renderer.psf)
    assert convolver2.pad == convolver.pad and renderer2.shift_shape == renderer.shift_shape
    np.testing.assert_array_equal(convolver2.convolve(padded), expected)
    star = dict(shape=(25, 27), position=(11.3, 12.6), flux=4.0, pixelscale=0.5, jacobian=True)
    for got, want in zip(pc.point_source_image(renderer2, **star), pc.point_source_image(renderer, **star)):
        np.testing.assert_array_equal(got, want)


def test_psf_convolver_pickle_carries_only_the_psf():
    psf = gaussian_psf(2.0, 51, 0.2)
    convolver = pc.PsfConvolver(psf)
    empty = len(pickle.dumps(convolver))
    convolver.convolve(np.zeros((306, 306)))  # caches a 512^2-ish plan and spectrum
    assert len(pickle.dumps(convolver)) == empty < psf.nbytes + 1000


def test_pickled_psf_state_is_checked():
    for cls in (pc.PsfConvolver, pc.PointSourceRenderer):
        with pytest.raises(ValueError, match="odd sizes"):
            cls.__new__(cls).__setstate__((np.ones((4, 3)),))
        with pytest.raises(ValueError, match="one array"):
            cls.__new__(cls).__setstate__((np.ones((3, 3)), 2))


# --- images -----------------------------------------------------------------------------------
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_target_image_with_wcs_mask_variance_and_psf_roundtrips(protocol):
    target = wcs_target(np.random.default_rng(2))
    target.psf.convolver  # build the caches before pickling
    target.psf.point_source_renderer
    target.psf.extent
    copy = roundtrip(target, protocol)
    assert_same_image(copy, target)
    np.testing.assert_array_equal(copy.variance, target.variance)
    np.testing.assert_array_equal(copy.mask, target.mask)
    assert (copy.psf_upsample, copy.zeropoint, copy.has_variance) == (2, 22.5, True)
    assert_same_image(copy.psf, target.psf)
    assert copy.wcs.to_header() == target.wcs.to_header()
    np.testing.assert_array_equal(copy.psf.convolver.psf, target.psf.convolver.psf)
    assert copy.psf.extent.fwhm == target.psf.extent.fwhm


def test_psf_image_pickle_leaves_its_caches_behind():
    psf = pc.image.PSFImage(gaussian_psf(2.0, 51, 0.2), pixelscale=0.2)
    bare = len(pickle.dumps(psf))
    psf.convolver.convolve(np.zeros((306, 306)))
    psf.point_source_renderer
    psf.extent
    assert len(pickle.dumps(psf)) == bare
    assert psf._convolver is not None  # the original keeps them


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_image_lists_windows_and_model_images_roundtrip(protocol):
    rng = np.random.default_rng(3)
    targets = pc.image.TargetImageList([wcs_target(rng), wcs_target(rng, psf_upsample=1)])
    window = pc.image.Window(targets[0], [[4, 20], [2, 17]])
    model_image = pc.image.ModelImage(window, data=rng.normal(size=window.shape))
    targets2, window2, model_image2 = roundtrip((targets, window, model_image), protocol)
    assert type(targets2) is pc.image.TargetImageList and len(targets2) == 2
    for copy, original in zip(targets2, targets):
        assert_same_image(copy, original)
    assert window2 == pc.image.Window(targets2[0], window.pixel_bounds)  # of the unpickled image
    assert_same_image(model_image2, model_image)
    assert_same_image(targets2[0][window2], targets[0][window])


def test_a_view_pickles_without_its_parent_and_works_on_its_own():
    rng = np.random.default_rng(4)
    big = pc.image.TargetImage(rng.normal(size=(500, 400)), variance=np.ones((500, 400)), pixelscale=0.3,
                               psf=gaussian_psf(0.5, 11, 0.3))
    view = big[pc.image.Window(big, [[100, 130], [200, 220]])]
    payload = pickle.dumps(view)
    assert len(payload) < 3 * (view.data.nbytes + view.variance.nbytes + view.mask.nbytes) + 20000
    copy = pickle.loads(payload)
    assert_same_image(copy, view)
    np.testing.assert_array_equal(copy.variance, view.variance)
    inner = pc.image.Window(copy, [[5, 15], [2, 12]])  # windows of the copy index it and its views
    assert_same_image(copy[inner], view[pc.image.Window(view, [[5, 15], [2, 12]])])
    assert_same_image(copy[inner][inner], copy[inner])
    model = pc.models.Model(name="m", model_type="sersic galaxy model", target=copy, center=[34.5, 63.2], q=0.8,
                            PA=0.2, n=1.5, Re=0.9, Ie=0.3)
    original = pc.models.Model(name="m", model_type="sersic galaxy model", target=view, center=[34.5, 63.2],
                               q=0.8, PA=0.2, n=1.5, Re=0.9, Ie=0.3)
    np.testing.assert_array_equal(model.sample().data, original.sample().data)


# --- models and fits --------------------------------------------------------------------------
MODEL_VALUES = {
    "sersic galaxy model": dict(n=2.0, Re=1.5, Ie=0.5),
    "exponential galaxy model": dict(Re=1.5, Ie=0.2),
    "gaussian galaxy model": dict(sigma=1.2, flux=2.5),
    "moffat galaxy model": dict(n=3.0, Rd=0.5, I0=1.0),
    "spline galaxy model": {"I(R)": [1.0, 0.5, -0.2, -1.5], "knots": [0.0, 1.0, 2.0, 4.0]},
    "nuker galaxy model": dict(Rb=1.0, alpha=2.0, beta=4.0, gamma=0.5, Ib=0.5),
    "sersic star model": dict(n=2.0, Re=1.5, Ie=0.5),
    "gaussian star model": dict(sigma=1.2, flux=2.5),
    "sersic superellipse galaxy model": dict(n=2.0, Re=1.5, Ie=0.5, C0=0.7),
    "moffat fourier galaxy model": dict(n=3.0, Rd=0.5, I0=1.0, modes=(2, 3), am=[0.1, -0.05], phim=[0.2, 4.0]),
    "exponential superellipse warp galaxy model": {"Re": 1.5, "Ie": 0.2, "C0": 0.5, "warp_knots": [0.0, 1.0, 3.0],
                                                   "q(R)": [0.9, 0.7, 0.8], "PA(R)": [0.0, 0.3, 0.4]},
    "sersic ray galaxy model": dict(rays=3, n=[1.0, 2.0, 3.0], Re=[1.5, 1.0, 2.0], Ie=[0.5, 0.2, 0.3]),
    "spline wedge galaxy model": {"I(R)": [[1.0, 0.5, -0.2, -1.5], [0.8, 0.2, -0.5, -2.0]],
                                  "knots": [0.0, 1.0, 2.0, 4.0]},
    "point model": dict(flux=2.0),
    "flat sky model": dict(F=0.1),
    "plane sky model": dict(F=0.1, delta=[0.01, -0.02]),
    "bilinear sky model": dict(I=[[0.1, 0.2], [0.0, -0.1], [0.3, 0.1]]),
    "pixelated model": dict(I=[[0.1, 0.2], [0.0, -0.1], [0.3, 0.1]], PA=0.3, pixelscale=0.7),
    "isothermal sech2 edgeon model": dict(PA=0.6, I0=0.5, hs=0.5, rs=2.0),
    "mge model": dict(q=[0.7, 0.5], PA=[0.6, 0.9], sigma=[0.8, 2.0], flux=[1.5, 2.0]),
    "gaussianellipsoid model": dict(sigma_a=2.0, sigma_b=1.5, sigma_c=0.6, alpha=0.5, beta=0.8, gamma=0.3, flux=2.0),
}


@pytest.mark.parametrize("model_type", sorted(MODEL_VALUES))
def test_every_component_type_samples_the_same_after_pickling(model_type):
    target = make_target((32, 32), 0.5, (0.0, 0.0), 0.7, 15, psf_upsample=1)
    geometry = {} if "sky" in model_type else dict(center=[8.1, 7.7])
    if "galaxy" in model_type:
        geometry.update(q=0.7, PA=0.6)
    model = pc.models.Model(name="m", model_type=model_type, target=target, **geometry, **MODEL_VALUES[model_type])
    expected_image, expected_jacobian = model.sample_with_jacobian()
    for protocol in PROTOCOLS:
        copy = roundtrip(model, protocol)
        assert type(copy) is type(model) and copy.psf_mode == model.psf_mode
        image, jacobian = copy.sample_with_jacobian()
        np.testing.assert_array_equal(image.data, expected_image.data)
        np.testing.assert_array_equal(jacobian.data, expected_jacobian.data)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_fitted_joint_group_samples_the_same_and_keeps_its_links(fitted, protocol):
    group, result = fitted
    expected_images, expected_jacobians = group.sample_with_jacobian()
    copy, result2 = roundtrip((group, result), protocol)
    images, jacobians = copy.sample_with_jacobian()
    for got, want in zip(images, expected_images):
        np.testing.assert_array_equal(got.data, want.data)
    for got, want in zip(jacobians, expected_jacobians):
        assert got.names == want.names
        np.testing.assert_array_equal(got.data, want.data)
    assert_same_fit(result2, result)
    first, second = copy.models["gal0"], copy.models["gal1"]
    original = group.models["gal0"]
    for name in ("center", "q", "PA", "n", "Re", "Ie"):
        np.testing.assert_array_equal(first[name].uncertainty, original[name].uncertainty)
    assert first["q"].limits == (0.2, 0.95) and second["PA"].locked and not first["PA"].locked
    assert [w.pixel_bounds for w in copy.windows] == [w.pixel_bounds for w in group.windows]
    assert copy.models["gal0"].window_is_automatic == original.window_is_automatic
    # one shared centre after unpickling, apart from the original's
    assert second["center"].is_linked_to(first["center"])
    first["center"].value = [10.5, 9.5]
    np.testing.assert_array_equal(second["center"].value, [10.5, 9.5])
    np.testing.assert_array_equal(original["center"].value, result.x[:2])
    # the windows follow the unpickled targets, not the original ones
    assert copy.targets[0] is copy.models["gal0"].target


def test_a_fit_of_the_unpickled_model_gives_the_same_result(fitted):
    group, _ = fitted
    start = roundtrip(group)
    for member in (start.models["gal0"], start.models["gal1"]):
        member["n"].value = 1.7  # the same perturbation on both
    again = roundtrip(start)
    first, second = pc.fit.LM(start).fit(), pc.fit.LM(again).fit()
    assert_same_fit(second, first)


def test_a_spawned_process_samples_a_fitted_model_bit_for_bit(fitted):
    group, _ = fitted
    expected = [image.data for image in group.sample()]
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        got = pool.apply(_sample_data, (group,))
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)


def _sample_data(model):
    return [image.data for image in model.sample()]
