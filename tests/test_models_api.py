"""The model factory, registry and parameter handling: values, limits, errors naming the argument."""

import math

import numpy as np
import pytest

import polychrome as pc
from model_helpers import make_target
from polychrome.models import AutoProf_Model, Model, SersicGalaxy, model_types
from polychrome.models.registry import model_class

SERSIC = dict(center=[8.0, 8.0], q=0.6, PA=0.4, n=2.0, Re=2.0, Ie=0.0)


def sersic(target=None, **kwargs):
    values = {k: v for k, v in SERSIC.items() if k not in kwargs.get("parameters", {})}
    values.update(kwargs)
    target = make_target() if target is None else target
    return Model(name="gal", model_type="sersic galaxy model", target=target, **values)


def test_registry_and_factory():
    shaped = [f"{profile} {shape} galaxy model" for profile in ("sersic", "exponential", "gaussian", "moffat",
                                                                "nuker", "spline", "ferrer", "king")
              for shape in ("superellipse", "fourier", "warp", "superellipse warp", "fourier warp", "ray", "wedge")]
    truncated = [f"truncated {profile} {shape}galaxy model"
                 for profile in ("sersic", "exponential", "gaussian", "moffat", "nuker", "spline", "ferrer", "king")
                 for shape in ("", "superellipse ", "fourier ", "warp ", "superellipse warp ", "fourier warp ")]
    radial_psf = [f"{profile} {shape}psf model" for profile in ("sersic", "exponential", "gaussian", "moffat",
                                                                 "nuker", "spline", "ferrer", "king")
                  for shape in ("", "ellipse ", "superellipse ", "fourier ", "warp ")
                  if shape or profile not in ("gaussian", "moffat")]  # those two: among the PSF models below
    # polychrome's own types (other test modules' user types may share this process: pytest-xdist)
    own = [t for t in model_types() if model_class(t).__module__.startswith("polychrome.")]
    assert own == sorted([
        "sersic galaxy model", "exponential galaxy model", "gaussian galaxy model", "moffat galaxy model",
        "spline galaxy model", "nuker galaxy model", "sersic star model", "exponential star model",
        "gaussian star model", "moffat star model", "nuker star model", "spline star model", "flat sky model",
        "ferrer galaxy model", "king galaxy model", "ferrer star model", "king star model",
        "plane sky model", "bilinear sky model", "point model", "group model", "gaussian psf model",
        "moffat psf model", "airy psf model", "pixelated psf model", "eigen psf model", "basis psf model", "psf group model",
        "pixelated model"] + shaped + truncated + radial_psf
        + ["mge model", "gaussianellipsoid model", "isothermal sech2 edgeon model"])
    model = sersic()
    assert isinstance(model, SersicGalaxy) and isinstance(model, Model)
    assert AutoProf_Model is Model and pc.models.AutoProf_Model is Model
    direct = SersicGalaxy(name="direct", target=make_target(), **SERSIC)
    np.testing.assert_allclose(direct.sample().data, model.sample().data)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(model_type="sersic model"), ValueError, r"unknown model_type 'sersic model'; known model types: \[.*'sersic galaxy model'"),
    (dict(), ValueError, r"model_type is required; known model types"),
    (dict(model_type=3), TypeError, "model_type must be a string"),
])
def test_unknown_model_type_lists_the_known_ones(kwargs, error, match):
    with pytest.raises(error, match=match):
        Model(name="x", target=make_target(), **kwargs)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(target=np.zeros((4, 4))), TypeError, "model 'gal': target must be a TargetImage"),
    (dict(psf_mode="half"), ValueError, r"model 'gal': psf_mode must be one of \['full', 'none'\]"),
    (dict(window=[[100, 120], [0, 10]]), ValueError, "lies wholly outside the image"),
    (dict(window=pc.image.Window(make_target())), ValueError, "window belongs to another image"),
    (dict(Rd=3.0), TypeError, r"unknown parameter\(s\) or option\(s\) \['Rd'\]; parameters: \['center', 'q', 'PA', 'n', 'Re', 'Ie'\]"),
    (dict(parameters={"q": 0.5}, q=0.7), ValueError, "parameter 'q' given twice"),
    (dict(parameters=[("q", 0.5)]), TypeError, "parameters must be a dict"),
    (dict(q=1.5), ValueError, r"model 'gal': parameter 'q': value \[1.5\] outside its limits|model 'gal': parameter 'q': value 1.5 outside"),
    (dict(q=0.0), ValueError, "parameter 'q': value .* outside its limits"),
    (dict(n=20.0), ValueError, "parameter 'n': value .* outside its limits"),
    (dict(Re=-1.0), ValueError, "parameter 'Re': value .* outside its limits"),
    (dict(center=3.0), ValueError, r"model 'gal': parameter 'center' must be shape \(2,\), got shape \(\)"),
    (dict(q=[0.5, 0.6]), ValueError, "parameter 'q' must be a scalar"),
    (dict(q={"value": 0.5, "bounds": (0, 1)}), ValueError, r"unknown key\(s\) \['bounds'\]"),
])
def test_bad_construction_raises_naming_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        sersic(**kwargs)


def test_psf_mode_full_without_a_psf_builds_with_a_warning_and_refuses_to_render():
    # AutoProf 0.8 built such a model (its GettingStarted tutorial prints one) and failed when sampling
    # it: here the model is built with a warning, keeps psf_mode "full" and every render says what is
    # missing; never a silent render without a PSF
    with pytest.warns(UserWarning, match="psf_mode 'full' needs a PSF"):
        model = sersic(psf_mode="full")
    assert model.psf_mode == "full"
    assert "gal" in str(model)
    for render in (model.sample, model.jacobian, model.initialize):
        with pytest.raises(ValueError, match=r"model 'gal': psf_mode 'full' needs a PSF, and neither its target"):
            render()
    with pytest.raises(ValueError, match="psf_mode 'full' needs a PSF"):
        pc.fit.LM(model).fit()
    model.psf = pc.utils.initialize.gaussian_psf(1.0, 11, 0.5)  # given its own PSF: it renders convolved
    convolved = model.sample().data
    plain = sersic(psf_mode="none").sample().data
    assert convolved.sum() == pytest.approx(plain.sum(), rel=5e-3) and convolved.max() < plain.max()  # edge losses


def test_name_is_optional_with_unique_defaults_but_not_empty():
    # AutoProf/AstroPhot scripts build models without names (issue 13): each gets its own default
    first = Model(model_type="flat sky model", target=make_target(), F=1.0)
    second = Model(model_type="flat sky model", target=make_target(), F=1.0)
    assert first.name.startswith("flat sky model ") and second.name.startswith("flat sky model ")
    assert first.name != second.name
    group = Model(model_type="group model", models=[first, second])
    assert set(group.models.keys()) == {first.name, second.name}
    with pytest.raises(TypeError, match="name must be a non-empty string"):
        Model(name="", model_type="flat sky model", target=make_target(), F=1.0)


def test_sky_and_point_psf_modes():
    target = make_target(psf_sigma=0.5)
    with pytest.raises(ValueError, match="a flat sky model takes psf_mode 'none', got 'full'"):
        Model(name="sky", model_type="flat sky model", target=target, psf_mode="full", F=1.0)
    with pytest.raises(ValueError, match="a point model takes psf_mode 'full', got 'none'"):
        Model(name="star", model_type="point model", target=target, psf_mode="none", center=[1, 1], flux=0)


def test_parameters_in_fixed_order_and_settable_every_way():
    model = sersic(parameters={"Re": {"value": 3.0, "limits": (1.0, 5.0), "locked": True, "uncertainty": 0.1}})
    assert model.parameters.names == ["center", "q", "PA", "n", "Re", "Ie"]
    assert model["Re"].value == 3.0 and model["Re"].locked and model["Re"].limits == (1.0, 5.0)
    assert model["Re"].uncertainty == 0.1 and model["Re"].units == "arcsec"
    with pytest.raises(ValueError, match="outside its limits"):
        model["Re"].value = 6.0
    model["q"].value = 0.5
    model.parameters.update({"n": 3.0, "center": [7.0, 9.0]})
    assert model["q"].value == 0.5 and model["n"].value == 3.0
    np.testing.assert_array_equal(model["center"].value, [7.0, 9.0])
    model["PA"].value = math.pi + 0.25  # cyclic on [0, pi)
    assert model["PA"].value == pytest.approx(0.25)
    assert model["PA"].cyclic and model["PA"].limits == (0.0, math.pi)
    with pytest.raises(KeyError, match=r"model 'gal' \(sersic galaxy model\) has no parameter 'Rd'"):
        model["Rd"]


def test_unset_parameter_is_named_when_rendering():
    model = Model(name="gal", model_type="exponential galaxy model", target=make_target(), center=[1, 1],
                  q=0.5, PA=0.0, Re=1.0)
    assert model["Ie"].value is None
    with pytest.raises(ValueError, match="model 'gal': parameter 'Ie' has no value"):
        model.sample()


def test_spline_knots():
    target = make_target((40, 40), 0.5)
    default = Model(name="s", model_type="spline galaxy model", target=target, center=[10, 10], q=1.0, PA=0.0)
    assert default.knots[0] == 0.0 and len(default.knots) == 8
    assert default.knots[-1] == pytest.approx(0.5 * 0.5 * math.hypot(40, 40))
    with pytest.raises(ValueError, match=r"parameter 'I\(R\)' must be shape \(8,\), got shape \(3,\)"):
        Model(name="s", model_type="spline galaxy model", target=target, center=[10, 10], q=1.0, PA=0.0,
              **{"I(R)": [1.0, 0.0, -1.0]})
    with pytest.raises(ValueError, match="knots must be finite, >= 0 and strictly increasing"):
        Model(name="s", model_type="spline galaxy model", target=target, knots=[0.0, 2.0, 1.0])


def test_psf_convolver_is_built_once_per_psf():
    target = make_target(psf_sigma=0.5)
    a, b = sersic(target), sersic(target)
    a.sample()
    b.sample()
    assert target.psf.convolver is target.psf.convolver
    assert isinstance(target.psf.convolver, pc.PsfConvolver)
