"""Live PSFs: a PSF model as a galaxy's or a point source's PSF, its parameters fitted jointly;
the Jacobian's PSF columns chained through the convolution, against central differences; a PSF
shared by several sources; joint fits recovering the galaxy and the PSF."""

import numpy as np
import pytest

import polychrome as pc
from model_helpers import data_of
from polychrome.models import Model
from polychrome.param import FreeParameters
from test_psf_models import basis, psf_grid

SCALE = 0.5


def moffat_psf(scale=SCALE, shape=(25, 25), **values):
    values = dict(dict(n=2.5, Rd=1.2), **values)
    return Model(name="psf", model_type="moffat psf model", target=psf_grid(shape, scale), **values)


def image_target(shape=(40, 44), data=None, variance=None):
    data = np.zeros(shape) if data is None else data
    return pc.image.TargetImage(data, pixelscale=SCALE, variance=variance)


def galaxy(target, psf, name="gal", **values):
    values = dict(dict(center=[10.3, 9.6], q=0.6, PA=0.7, n=1.5, Re=2.5, Ie=0.0), **values)
    return Model(name=name, model_type="sersic galaxy model", target=target, psf=psf, **values)


def central_differences(model, step):
    """Central differences of model.sample() per free quantity element: [per target (n, ny, nx)].
    A centre gets a step of 1e-3 arcsec (smaller ones resolve the adaptive integration's
    subdivision jumps, ~1e-8 of a pixel, not the derivative); the others ``step``."""
    free = FreeParameters(model.all_parameters())
    names = model.jacobian()
    names = (names if isinstance(names, list) else [names])[0].names
    start = free.get_values()
    columns = []
    for k, name in enumerate(names):
        h = 1e-3 if ":center[" in name else step
        plus, minus = start.copy(), start.copy()
        plus[k] += h
        minus[k] -= h
        free.set_values(plus)
        up = data_of(model.sample())
        free.set_values(minus)
        down = data_of(model.sample())
        columns.append([(u - d) / (2 * h) for u, d in zip(up, down)])
    free.set_values(start)
    return [np.array([column[t] for column in columns]) for t in range(len(columns[0]))]


def check_against_central_differences(model, step=1e-5, rtol=2e-5):
    """Every Jacobian column (the live PSF's included) within rtol x its largest value of central
    differences (the centre columns, from coarser steps, within 5e-4)."""
    jacobian = model.jacobian()
    jacobians = jacobian if isinstance(jacobian, list) else [jacobian]
    numeric = central_differences(model, step)
    names = jacobians[0].names
    for analytic, differences in zip(jacobians, numeric):
        assert analytic.data.shape == differences.shape
        for k, name in enumerate(names):
            scale = np.abs(differences[k]).max()
            assert scale > 0, name
            tolerance = 5e-4 if ":center[" in name else rtol
            np.testing.assert_allclose(analytic.data[k], differences[k], atol=tolerance * scale, err_msg=name)
    return names


def test_live_psf_renders_as_the_same_fixed_psf():
    psf = moffat_psf()
    target = image_target()
    live = galaxy(target, psf).sample().data
    fixed = galaxy(target, pc.image.PSFImage(psf.sample().data)).sample().data
    np.testing.assert_allclose(live, fixed, rtol=1e-12, atol=1e-15)
    with_target_psf = galaxy(image_target().__class__(np.zeros((40, 44)), pixelscale=SCALE, psf=psf.sample().data),
                             None).sample().data
    np.testing.assert_allclose(live, with_target_psf, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("psf_type, values", [
    ("moffat psf model", dict(n=2.5, Rd=1.2)),
    ("gaussian psf model", dict(sigma=0.9)),
    ("airy psf model", dict(aRL=0.4)),
    ("eigen psf model", dict(eigen_basis=basis((15, 15)), weights=[0.5, 0.3, 0.2])),
])
def test_galaxy_jacobian_with_live_psf_columns(psf_type, values):
    psf = Model(name="psf", model_type=psf_type, target=psf_grid((15, 15), SCALE), **values)
    if psf_type == "airy psf model":
        psf["I0"].locked = False  # its column is zero under normalisation: must stay so
    model = galaxy(image_target((30, 32)), psf)
    names = model.jacobian().names
    expected = ["psf:" + p.name for p in psf.parameters if not p.locked]
    assert [n for n in names if n.startswith("psf:")] == [n for name in expected for n in
                                                          ([name] if np.ndim(psf[name[4:]].value) == 0 else
                                                           [f"{name}[{k}]" for k in range(psf[name[4:]].size)])]
    if psf_type == "airy psf model":
        np.testing.assert_allclose(model.jacobian().column("psf:I0"), 0.0, atol=1e-15)
        psf["I0"].locked = True
    check_against_central_differences(model)


def test_galaxy_jacobian_with_an_upsampled_live_psf():
    psf = moffat_psf(scale=SCALE / 2, shape=(31, 31))
    model = galaxy(image_target((24, 26)), psf)
    assert model._psf_upsample() == 2
    check_against_central_differences(model)


def test_point_source_jacobian_with_live_psf():
    psf = moffat_psf()
    star = Model(name="star", model_type="point model", target=image_target((30, 30)), psf=psf,
                 center=[7.3, 8.1], flux=2.0)
    names = check_against_central_differences(star, step=1e-5)
    assert names == ["star:center[0]", "star:center[1]", "star:flux", "psf:n", "psf:Rd"]


def test_one_psf_shared_by_several_sources_is_one_set_of_columns():
    psf = moffat_psf()
    target = image_target()
    group = Model(name="field", model_type="group model", models=[
        galaxy(target, psf, name="a"), galaxy(target, psf, name="b", center=[14.0, 12.0], Re=1.5),
        Model(name="star", model_type="point model", target=target, psf=psf, center=[5.2, 15.3], flux=2.0)])
    names = check_against_central_differences(group)
    assert names.count("psf:n") == 1 and names.count("psf:Rd") == 1
    assert group.models["a"]["psf:Rd"] is psf["Rd"]


def test_tutorial_style_star_model_as_live_psf():
    """AutoProf's tutorial uses a 'moffat star model' on a 51 x 51 window as the live PSF."""
    target = image_target((60, 60))
    star_psf = Model(name="psf", model_type="moffat star model", target=target, window=[[0, 25], [0, 25]],
                     center={"value": [6.25, 6.25], "locked": True}, n=2.5, Rd=1.2,
                     I0={"value": 1.0, "locked": True})
    model = galaxy(target, star_psf)
    assert model["psf:n"] is star_psf["n"]
    np.testing.assert_allclose(model.sample().data, galaxy(target, moffat_psf()).sample().data, rtol=1e-9,
                               atol=1e-14)
    check_against_central_differences(model)


def simulate(model, sigma, seed):
    image = model.sample().data
    rng = np.random.default_rng(seed)
    return image + rng.normal(size=image.shape) * sigma


def test_joint_fit_of_galaxy_and_live_psf_recovers_both():
    truth_psf = moffat_psf(n=2.0, Rd=1.5)
    truth = galaxy(image_target((50, 50)), truth_psf, center=[12.6, 12.3], q=0.5, PA=1.0, n=1.2, Re=2.0, Ie=0.5)
    sigma = 0.01
    data = simulate(truth, sigma, 5)
    target = image_target((50, 50), data=data, variance=np.full(data.shape, sigma**2))
    psf = moffat_psf(n=3.0, Rd=1.0)
    model = galaxy(target, psf, center=[12.5, 12.4], q=0.6, PA=0.9, n=1.5, Re=2.5, Ie=0.3)
    result = pc.fit.LM(model, max_iter=200).fit()
    assert result.message.startswith("success"), result.message
    expected = dict(n=1.2, Re=2.0, q=0.5, PA=1.0, Ie=0.5, **{"psf:n": 2.0, "psf:Rd": 1.5})
    for name, value in expected.items():
        got, error = model[name].value, model[name].uncertainty
        assert np.isfinite(error) and error > 0, name
        assert abs(got - value) < 3 * error, (name, got, value, error)


def test_stars_fitted_with_a_shared_live_psf_recover_it():
    """Four stars of unknown positions and fluxes sharing one unknown Moffat PSF."""
    truth_psf = moffat_psf(n=2.2, Rd=1.1)
    target = image_target((48, 48))
    positions = [[5.2, 6.1], [18.7, 5.4], [6.3, 18.2], [17.9, 17.6]]
    fluxes = [2.5, 2.8, 2.2, 2.6]
    truth = Model(name="truth", model_type="group model", models=[
        Model(name=f"s{k}", model_type="point model", target=target, psf=truth_psf, center=c, flux=f)
        for k, (c, f) in enumerate(zip(positions, fluxes))])
    sigma = 0.02
    data = simulate(truth, sigma, 8)
    target = image_target((48, 48), data=data, variance=np.full(data.shape, sigma**2))
    psf = moffat_psf(n=3.0, Rd=1.5)
    stars = [Model(name=f"s{k}", model_type="point model", target=target, psf=psf,
                   center=np.add(c, 0.2), flux=f - 0.1) for k, (c, f) in enumerate(zip(positions, fluxes))]
    model = Model(name="stars", model_type="group model", models=stars)
    result = pc.fit.LM(model, max_iter=200).fit()
    assert result.message.startswith("success"), result.message
    for name, value in dict(n=2.2, Rd=1.1).items():
        assert abs(psf[name].value - value) < 3 * psf[name].uncertainty, (name, psf[name].value, psf[name].uncertainty)


def test_live_psf_needs_a_psf_grid():
    with pytest.raises(ValueError, match="no target"):
        galaxy(image_target(), Model(name="psf", model_type="moffat psf model", n=2.5, Rd=1.0)).sample()
    odd = Model(name="psf", model_type="moffat star model", target=image_target(), window=[[0, 10], [0, 11]],
                center=[2.5, 2.75], n=2.5, Rd=1.0, I0=0.0)
    with pytest.raises(ValueError, match="odd number of pixels"):
        galaxy(image_target(), odd).sample()
    with pytest.raises(ValueError, match="divided by an integer"):
        galaxy(image_target(), moffat_psf(scale=0.3)).sample()
    star = Model(name="star", model_type="moffat star model", target=image_target(), window=[[0, 11], [0, 11]],
                 center=[2.75, 2.75], n=2.5, Rd=1.0, I0=0.0, psf=moffat_psf())
    with pytest.raises(ValueError, match="live psf of its own"):
        galaxy(image_target(), star)
    with pytest.raises(ValueError, match="takes no psf"):
        Model(name="sky", model_type="flat sky model", target=image_target(), F=0.1, psf=moffat_psf())


def shared_field():
    psf = moffat_psf()
    target = image_target()
    return Model(name="field", model_type="group model", models=[
        galaxy(target, psf, name="a"), galaxy(target, psf, name="b", center=[14.0, 12.0], Re=1.5),
        galaxy(target, pc.image.PSFImage(moffat_psf(n=3.0).sample().data), name="own", center=[5.0, 14.0]),
        Model(name="star", model_type="point model", target=target, psf=psf, center=[5.2, 15.3], flux=2.0)]), target


def test_yaml_round_trip_keeps_the_shared_live_psf_and_an_own_psf_image(tmp_path):
    field, target = shared_field()
    field.models["a"]["psf:Rd"].locked = True
    path = field.save(str(tmp_path / "field.yaml"))
    again = Model(name="field", filename=path)
    again.target = target
    np.testing.assert_array_equal(again.sample().data, field.sample().data)
    a, b, star = again.models["a"], again.models["b"], again.models["star"]
    assert a.psf is b.psf is star.psf and a.psf.model_type == "moffat psf model"
    assert a["psf:Rd"].locked and not a["psf:n"].locked
    assert again.jacobian().names == field.jacobian().names
    np.testing.assert_array_equal(again.models["own"].psf.data, field.models["own"].psf.data)


def test_pickled_group_keeps_one_live_psf():
    import pickle

    field, _ = shared_field()
    copy = pickle.loads(pickle.dumps(field))
    assert copy.models["a"].psf is copy.models["b"].psf is copy.models["star"].psf
    np.testing.assert_array_equal(copy.sample().data, field.sample().data)
    copy.models["a"]["psf:n"].value = 3.0
    assert copy.models["star"]["psf:n"].value == 3.0


def test_pixelated_live_psf_columns():
    """Every PSF pixel a column: 7 x 7 free pixels of a live pixelated PSF, chained per pixel."""
    grid = psf_grid((7, 7), SCALE)
    pixels = np.log10(moffat_psf(shape=(7, 7)).sample().data / SCALE**2)
    psf = Model(name="psf", model_type="pixelated psf model", target=grid, pixels=pixels)
    model = galaxy(image_target((20, 22)), psf, center=[5.3, 4.9], Re=1.5)
    names = check_against_central_differences(model)
    assert sum(name.startswith("psf:pixels[") for name in names) == 49


def test_point_source_with_an_upsampled_live_psf():
    psf = moffat_psf(scale=SCALE / 3, shape=(45, 45), Rd=0.9)
    star = Model(name="star", model_type="point model", target=image_target((20, 20)), psf=psf,
                 center=[4.6, 5.3], flux=1.5)
    assert star._psf_upsample() == 3
    check_against_central_differences(star)
    assert star.sample().data.sum() == pytest.approx(10**1.5, rel=1e-3)


def test_initialize_starts_a_live_psf_from_its_own_target():
    star = moffat_psf(n=2.5, Rd=1.2).sample().data
    psf = Model(name="psf", model_type="moffat psf model", target=psf_grid(data=star))
    truth = galaxy(image_target(), moffat_psf())
    model = galaxy(image_target(data=truth.sample().data), psf, center=None, q=None, PA=None, n=None, Re=None, Ie=None)
    model.initialize()
    assert psf["n"].value == 2.5 and psf["Rd"].value == pytest.approx(1.2, rel=0.35)
    assert all(np.all(np.isfinite(p.value)) for p in model.jacobian_parameters() if not p.locked)


# --- AutoProf's spellings: set_aux_psf and psf_upscale ----------------------------------------

def test_set_aux_psf_is_the_live_psf_given_as_psf():
    target = image_target()
    by_keyword = galaxy(target, moffat_psf())
    aux = moffat_psf()
    by_method = galaxy(target, None)
    by_method.set_aux_psf(aux)
    assert by_method.psf is aux and by_method["psf:n"] is aux["n"]
    np.testing.assert_array_equal(by_method.sample().data, by_keyword.sample().data)
    assert by_method.jacobian().names == by_keyword.jacobian().names
    with pytest.raises(ValueError, match=r"set_aux_psf\(add_parameters=False\): a live PSF's parameters are always "
                                         r"fitted with the model; to keep them fixed, lock them"):
        by_method.set_aux_psf(aux, add_parameters=False)


@pytest.mark.parametrize("value", [1, 1.0, np.int64(1)])
def test_psf_upscale_one_is_a_psf_on_the_image_grid(value):
    target = image_target()
    psf = Model(name="psf", model_type="moffat star model", target=target, window=[[0, 25], [0, 25]],
                center={"value": [6.25, 6.25], "locked": True}, n=2.5, Rd=1.2, I0={"value": 1.0, "locked": True},
                psf_upscale=value)
    assert psf.psf_upscale == 1
    model = galaxy(target, None)
    model.set_aux_psf(psf)
    assert model._psf_upsample() == 1
    plain = galaxy(target, moffat_psf(shape=(25, 25)))  # the same Moffat, centred on a 25 x 25 PSF grid
    np.testing.assert_allclose(model.sample().data, plain.sample().data, rtol=1e-10, atol=1e-14)


def test_psf_upscale_two_renders_through_the_finer_psf_grid():
    """psf_upscale=2 on a PSF model whose grid is the image's halved: the source is rendered on the
    finer grid, convolved there and binned back (what the same live PSF does without the spelling)."""
    target = image_target((24, 26))
    fine = moffat_psf(scale=SCALE / 2, shape=(31, 31))
    fine.psf_upscale = 2
    model = galaxy(target, None)
    model.set_aux_psf(fine)
    assert model._psf_upsample() == 2
    reference = galaxy(target, moffat_psf(scale=SCALE / 2, shape=(31, 31)))
    np.testing.assert_array_equal(model.sample().data, reference.sample().data)


def test_psf_upscale_that_does_not_match_the_psf_grid_is_refused():
    target = image_target()
    psf = moffat_psf()  # on the image's own pixel scale
    psf.psf_upscale = 2
    with pytest.raises(ValueError, match=r"psf_upscale=2, but its grid .* is 1 pixel\(s\) per pixel of the image"
                                         r".*give it a target \(e.g. a PSFImage\) of pixelscale image pixelscale / 2"):
        galaxy(target, None).set_aux_psf(psf)


@pytest.mark.parametrize("value", [0, 1.5, -2, "two", True])
def test_psf_upscale_must_be_a_whole_number_of_at_least_one(value):
    with pytest.raises(ValueError, match=r"model 'psf': psf_upscale must be a whole number >= 1 \(how many PSF "
                                         r"pixels per image pixel on each axis\), got"):
        moffat_psf(psf_upscale=value)


def test_target_psf_upscale_is_psf_upsample():
    psf = pc.utils.initialize.gaussian_psf(0.5, 21, SCALE / 3)
    a = pc.image.TargetImage(np.zeros((10, 10)), pixelscale=SCALE, psf=psf, psf_upscale=3.0)
    b = pc.image.TargetImage(np.zeros((10, 10)), pixelscale=SCALE, psf=psf, psf_upsample=3)
    assert a.psf_upsample == 3
    np.testing.assert_array_equal(a.psf.data, b.psf.data)
    with pytest.raises(ValueError, match="psf_upscale=3 .* and psf_upsample=2 differ"):
        pc.image.TargetImage(np.zeros((10, 10)), pixelscale=SCALE, psf=psf, psf_upscale=3, psf_upsample=2)


def test_autoprof_aux_psf_fit_recovers_the_psf():
    """AdvancedPSFModels' fit: a Sersic through a Moffat (n = 2, Rd = 3 px) fitted with a live Moffat
    star model given by set_aux_psf, started at n = 1, Rd = 2: the PSF is found within 4 sigma."""
    true_psf = pc.utils.initialize.moffat_psf(2.0, 3.0, 51, 1.0)
    target = pc.image.TargetImage(np.zeros((99, 99)), pixelscale=1.0, psf=true_psf)
    truth = Model(name="truth", model_type="sersic galaxy model", target=target, center=[50.1, 50.1], q=0.4,
                  PA=np.pi / 3, n=2, Re=25, Ie=1)
    target.data = truth().data + np.random.default_rng(3).normal(0.0, 0.1, target.shape)
    target.variance = np.full(target.shape, 0.01)
    model = Model(name="galaxy", model_type="sersic galaxy model", target=target, psf_mode="full")
    psf = Model(name="psf", model_type="moffat star model", target=target, window=[[0, 51], [0, 51]],
                parameters={"n": 1.0, "Rd": 2.0, "center": {"value": [25.5, 25.5], "locked": True},
                            "I0": {"value": 1.0, "locked": True}}, psf_upscale=1.0)
    model.set_aux_psf(psf)
    model.initialize()
    result = pc.fit.LM(model).fit()
    assert result.success and result.chi2_ndf == pytest.approx(1.0, abs=0.05)
    for name, true in (("n", 2.0), ("Rd", 3.0)):
        assert abs(model[f"psf:{name}"].value - true) < 4 * model[f"psf:{name}"].uncertainty, name
