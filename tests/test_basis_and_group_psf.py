"""The "basis psf model" (weights of basis images, Zernike by default) and the "psf group model" (PSF
models summed, the sum normalised): renders against numpy references, Jacobians against central
differences, fits of noisy simulated stars, a group as a galaxy's live PSF, YAML round trips."""

import math
import pickle
import warnings

import numpy as np
import pytest

import polychrome as pc
from model_helpers import finite_difference_jacobian
from polychrome.models import Model
from polychrome.models.zernike import zernike_basis
from test_live_psf import check_against_central_differences, galaxy, image_target, simulate
from test_psf_models import basis as gaussian_basis
from test_radial_psf_models import make, noisy_star, psf_grid

SHAPE = (25, 25)


def check_jacobian(model, rtol=2e-6):
    jacobian = model.jacobian()
    numeric = finite_difference_jacobian(model, step=1e-5)[0]
    assert jacobian.data.shape == numeric.shape
    for k, name in enumerate(jacobian.names):
        scale = max(np.abs(numeric[k]).max(), 1e-300)
        np.testing.assert_allclose(jacobian.data[k], numeric[k], atol=rtol * scale + 1e-13, err_msg=name)


# --- basis psf model -------------------------------------------------------------------------------

def test_zernike_polynomials_are_the_textbook_ones():
    """Against the closed forms (Noll's list, unnormalised) on a 9 x 9 grid: piston 1, tilts rho cos phi
    and rho sin phi, defocus 2 rho^2 - 1, astigmatisms rho^2 cos 2phi, rho^2 sin 2phi, comas
    (3 rho^3 - 2 rho) cos phi, trefoils rho^3 cos 3phi; zero outside the unit disc; orthogonal."""
    images = zernike_basis(3, (9, 9))
    assert images.shape == (10, 9, 9)
    y, x = (np.mgrid[:9, :9] - 4.0) / 4.5
    rho, phi = np.hypot(x, y), np.arctan2(y, x)
    inside = rho <= 1
    expected = {(0, 0): np.ones_like(rho), (1, -1): rho * np.sin(phi), (1, 1): rho * np.cos(phi),
                (2, -2): rho**2 * np.sin(2 * phi), (2, 0): 2 * rho**2 - 1, (2, 2): rho**2 * np.cos(2 * phi),
                (3, -1): (3 * rho**3 - 2 * rho) * np.sin(phi), (3, 3): rho**3 * np.cos(3 * phi)}
    order = [(n, m) for n in range(4) for m in range(-n, n + 1, 2)]
    for key, image in expected.items():
        np.testing.assert_allclose(images[order.index(key)], np.where(inside, image, 0.0), atol=1e-12,
                                   err_msg=str(key))
    fine = zernike_basis(4, (201, 201)).reshape(15, -1)
    gram = fine @ fine.T
    off = gram - np.diag(np.diag(gram))
    assert np.abs(off).max() < 2e-2 * np.diag(gram).min()  # orthogonal on the disc, to the grid's resolution
    with pytest.raises(ValueError, match="Zernike order"):
        zernike_basis(21, (5, 5))


def test_basis_psf_renders_the_normalised_weighted_sum():
    images = gaussian_basis()
    weights = [0.5, 1.5, -0.2]
    model = Model(name="b", model_type="basis psf model", target=psf_grid(), basis=images, weights=weights)
    assert model.parameters.names == ["weights"]
    expected = np.tensordot(weights, images, axes=1)
    np.testing.assert_allclose(model.sample().data, expected / expected.sum(), rtol=1e-12, atol=1e-16)
    model.normalize_psf = False
    np.testing.assert_allclose(model.sample().data, expected, rtol=1e-12, atol=1e-16)
    check_jacobian(model)
    model.normalize_psf = True
    check_jacobian(model)


def test_basis_psf_default_is_zernike_order_3_on_the_grid():
    model = Model(name="b", model_type="basis psf model", target=psf_grid(), weights=np.eye(10)[0] + 0.05)
    assert model.basis == "zernike:3" and model["weights"].size == 10
    expected = np.tensordot(model["weights"].value, zernike_basis(3, SHAPE), axes=1)
    np.testing.assert_allclose(model.sample().data, expected / expected.sum(), rtol=1e-12, atol=1e-16)
    check_jacobian(model)


def test_basis_psf_fit_of_a_noisy_star_recovers_the_weights():
    """A star made of the basis (weights 0.5, 0.3, 0.2), flux 1e4 with noise: fitted with
    normalize_psf=False (normalised, only the ratios would be constrained), within 3 sigma."""
    images = gaussian_basis()
    truth = np.tensordot([0.5, 0.3, 0.2], images, axes=1)
    data, variance = noisy_star(truth)
    model = Model(name="b", model_type="basis psf model", target=psf_grid(data=data, variance=variance), basis=images,
                  normalize_psf=False).initialize()
    result = pc.fit.LM(model).fit()
    assert result.message.startswith("success"), result.message
    got, sigma = model["weights"].value, model["weights"].uncertainty
    assert np.all(np.isfinite(sigma)) and np.all(sigma > 0)
    assert np.all(np.abs(got - [0.5, 0.3, 0.2]) < 3 * sigma), (got, sigma)


@pytest.mark.parametrize("basis", ["zernike:4", "array"])
def test_basis_psf_round_trip_and_pickle(basis, tmp_path):
    given = gaussian_basis() if basis == "array" else basis
    count = 3 if basis == "array" else 15
    model = Model(name="b", model_type="basis psf model", target=psf_grid(), basis=given,
                  weights=np.linspace(1.0, 0.2, count))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = model.save(str(tmp_path / "basis.yaml"))
    again = Model(name="b", filename=path)
    again.target = model.target
    np.testing.assert_array_equal(again.sample().data, model.sample().data)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).sample().data, model.sample().data)


def test_basis_psf_bad_input_is_refused_naming_it():
    with pytest.raises(ValueError, match="basis must be"):
        Model(name="b", model_type="basis psf model", target=psf_grid(), basis="zernike:x")
    with pytest.raises(ValueError, match="basis must be"):
        Model(name="b", model_type="basis psf model", target=psf_grid(), basis=np.ones((5, 5)))
    with pytest.raises(ValueError, match="basis images have shape"):
        Model(name="b", model_type="basis psf model", target=psf_grid((21, 21)), basis=gaussian_basis())
    with pytest.raises(ValueError, match="weights"):
        Model(name="b", model_type="basis psf model", target=psf_grid(), weights=[1.0, 2.0])


def test_basis_psf_initializes_on_a_star_and_blank_data():
    star = make("moffat ellipse psf model", q=0.8, PA=0.6, n=2.5, Rd=1.2).sample().data
    for data in (star, np.zeros(SHAPE)):
        model = Model(name="b", model_type="basis psf model", target=psf_grid(data=data)).initialize()
        image = model.sample().data
        assert np.all(np.isfinite(image)) and image.sum() == pytest.approx(1.0, abs=1e-12)
    images = gaussian_basis()
    truth = np.tensordot([0.5, 0.3, 0.2], images, axes=1)
    model = Model(name="b", model_type="basis psf model", target=psf_grid(data=truth), basis=images).initialize()
    np.testing.assert_allclose(model["weights"].value, [0.5, 0.3, 0.2], rtol=1e-8)


# --- psf group model -------------------------------------------------------------------------------

def core_and_wing(target=None, **wing):
    target = psf_grid() if target is None else target
    core = Model(name="core", model_type="gaussian psf model", target=target, sigma=0.6)
    wing = Model(name="wing", model_type="sersic ellipse psf model", target=target,
                 **dict(dict(q=0.8, PA=0.4, n=1.5, Re=2.0, Ie={"value": -1.5, "locked": False}), **wing))
    return core, wing


def test_group_renders_the_normalised_sum_of_its_unnormalised_members():
    core, wing = core_and_wing()
    group = Model(name="psf", model_type="psf group model", models=[core, wing])
    assert group.parameters.names == ["core:sigma", "core:flux", "wing:q", "wing:PA", "wing:n", "wing:Re", "wing:Ie"]
    total = core._raw(False)[0] + wing._raw(False)[0]
    np.testing.assert_allclose(group.sample().data, total / total.sum(), rtol=1e-12, atol=1e-18)
    group["wing:Re"].value = 2.5  # one quantity with the member's
    assert wing["Re"].value == 2.5
    check_jacobian(group)
    group.normalize_psf = False
    np.testing.assert_allclose(group.sample().data, core._raw(False)[0] + wing._raw(False)[0], rtol=1e-12)
    check_jacobian(group)


def test_group_fit_of_a_noisy_star_recovers_both_members():
    """A star through a Gaussian core and a Sersic wing, flux 1e4 with noise: the group fitted from
    other starts recovers the members' shapes and the wing's relative strength within 3 sigma."""
    truth = dict(sigma=0.6, q=0.8, PA=0.4, n=1.5, Re=2.0, Ie=-1.5)
    data, variance = noisy_star(Model(name="t", model_type="psf group model", models=core_and_wing()).sample().data)
    target = psf_grid(data=data, variance=variance)
    core = Model(name="core", model_type="gaussian psf model", target=target, sigma=0.8)
    wing = Model(name="wing", model_type="sersic ellipse psf model", target=target, q=0.9, PA=0.3, n=1.2, Re=1.6,
                 Ie={"value": -1.3, "locked": False})
    group = Model(name="psf", model_type="psf group model", models=[core, wing])
    result = pc.fit.LM(group, max_iter=200).fit()
    assert result.message.startswith("success"), result.message
    for key, value in truth.items():
        name = ("core:" if key == "sigma" else "wing:") + key
        got, sigma = float(group[name].value), float(group[name].uncertainty)
        assert np.isfinite(sigma) and sigma > 0, name
        assert abs(got - value) < 3 * sigma, (name, got, value, sigma)


def test_group_as_a_live_psf_of_a_galaxy():
    """The group as a galaxy's PSF: renders as its image would, its columns agree with central
    differences, and a joint fit recovers the galaxy and the wing's size."""
    truth_psf = Model(name="psf", model_type="psf group model", models=core_and_wing())
    target = image_target((44, 44))
    fixed = galaxy(target, pc.image.PSFImage(truth_psf.sample().data, pixelscale=0.5)).sample().data
    truth = galaxy(target, truth_psf)
    np.testing.assert_allclose(truth.sample().data, fixed, rtol=1e-10, atol=1e-14)
    check_against_central_differences(truth)
    sigma = 0.003
    data = simulate(truth, sigma, 7)
    target = image_target((44, 44), data=data, variance=np.full(data.shape, sigma**2))
    core, wing = core_and_wing(Re=1.5)
    core["sigma"].locked = wing["q"].locked = wing["PA"].locked = wing["n"].locked = wing["Ie"].locked = True
    psf = Model(name="psf", model_type="psf group model", models=[core, wing])
    model = galaxy(target, psf, center=[10.4, 9.5], q=0.65, PA=0.8, n=1.3, Re=2.2, Ie=0.1)
    result = pc.fit.LM(model, max_iter=200).fit()
    assert result.message.startswith("success"), result.message
    for name, value in {"n": 1.5, "Re": 2.5, "q": 0.6, "PA": 0.7, "Ie": 0.0, "psf:wing:Re": 2.0}.items():
        got, error = model[name].value, model[name].uncertainty
        assert np.isfinite(error) and error > 0, name
        assert abs(got - value) < 3 * error, (name, got, value, error)


def test_group_round_trip_and_pickle(tmp_path):
    core, wing = core_and_wing()
    wing["q"].locked = True
    group = Model(name="psf", model_type="psf group model", models=[core, wing])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = group.save(str(tmp_path / "group.yaml"))
    again = Model(name="psf", filename=path)
    again.target = group.target
    assert again.parameters.names == group.parameters.names
    assert [m.model_type for m in again.models] == ["gaussian psf model", "sersic ellipse psf model"]
    np.testing.assert_array_equal(again.sample().data, group.sample().data)
    for parameter in group.parameters:
        assert again[parameter.name].locked == parameter.locked, parameter.name
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(group)).sample().data, group.sample().data)


def test_group_initializes_its_members_and_refuses_bad_members():
    star = make("moffat ellipse psf model", q=0.8, PA=0.6, n=2.5, Rd=1.2).sample().data
    target = psf_grid(data=star)
    members = [Model(name="a", model_type="moffat psf model"), Model(name="b", model_type="exponential psf model")]
    group = Model(name="g", model_type="psf group model", models=members, target=target).initialize()
    assert all(member.target is target for member in members)
    image = group.sample().data
    assert np.all(np.isfinite(image)) and image.sum() == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(TypeError, match="members must be PSF models"):
        Model(name="g", model_type="psf group model", models=[galaxy(image_target(), None)])
    with pytest.raises(ValueError, match="distinct"):
        Model(name="g", model_type="psf group model", models=[Model(name="a", model_type="moffat psf model")] * 2)
    with pytest.raises(ValueError, match="not the group's"):
        Model(name="g", model_type="psf group model", target=psf_grid(),
              models=[Model(name="a", model_type="moffat psf model", target=psf_grid((21, 21)))])
    with pytest.raises(ValueError, match="give models"):
        Model(name="g", model_type="psf group model")
    assert math.isclose(group.sample().data.sum(), 1.0)
