"""Custom models written as in AutoProf (issue 13): only the brightness, in numpy.

A galaxy defining ``radial_model`` and a component defining
``evaluate_model`` render, initialise and fit; their Jacobians come from
central differences and are compared here with polychrome's analytic
Jacobians of the same profiles (an independent computation).
"""

import numpy as np
import pytest

import polychrome as ap
from model_helpers import make_target


class NumpySersic(ap.models.Galaxy_Model):
    """The Sersic profile written by a user (log10 brightness at Re, as polychrome's Ie)."""

    model_type = "numpy sersic galaxy model"
    parameter_specs = {"my_n": {"limits": (0.36, 8)}, "my_Re": {"limits": (0, None), "units": "arcsec"},
                       "my_Ie": {"units": "log10(flux/arcsec^2)"}}
    _parameter_order = ap.models.Galaxy_Model._parameter_order + ("my_n", "my_Re", "my_Ie")
    integration_points = 8

    def radial_model(self, R, image=None, parameters=None):
        n, re, ie = self["my_n"].value, self["my_Re"].value, self["my_Ie"].value
        b = ap.utils.conversions.functions.sersic_n_to_b(n)
        return 10 ** ie * image.pixelscale ** 2 * np.exp(-b * ((R / re) ** (1.0 / n) - 1.0))


class GaussianBlob(ap.models.Component_Model):
    """A circular Gaussian written on the plane offsets X, Y (total flux 10**my_flux)."""

    model_type = "blob model"
    parameter_specs = {"my_sigma": {"limits": (0, None)}, "my_flux": {}}
    _parameter_order = ap.models.Component_Model._parameter_order + ("my_sigma", "my_flux")
    spread = 1.0  # a class setting a model may override: Model(..., spread=2.0)

    def evaluate_model(self, X=None, Y=None, image=None, parameters=None):
        sigma = self.spread * self["my_sigma"].value
        return (10 ** self["my_flux"].value * image.pixel_area / (2 * np.pi * sigma ** 2)
                * np.exp(-(X ** 2 + Y ** 2) / (2 * sigma ** 2)))


GEOMETRY = dict(center=[8.3, 7.9], q=0.65, PA=0.8)


@pytest.fixture(scope="module", autouse=True)
def forget_the_user_types():
    """The user types of this module leave the (process-wide) registry afterwards."""
    yield
    from polychrome.models.registry import model_types, unregister

    for name in ("numpy sersic galaxy model", "blob model", "torch style model"):
        if name in model_types():
            unregister(name)
    with pytest.raises(ValueError, match="one of polychrome's"):
        unregister("sersic galaxy model")


def pair(target, n=1.5, re=2.5, ie=0.2):
    ours = ap.models.Model(name="ref", model_type="sersic galaxy model", target=target, window=[[0, 36], [0, 32]],
                           n=n, Re=re, Ie=ie, **GEOMETRY)
    custom = NumpySersic(name="mine", target=target, window=[[0, 36], [0, 32]],
                         parameters=dict(my_n=n, my_Re=re, my_Ie=ie, **GEOMETRY))
    return ours, custom


@pytest.mark.parametrize("psf_sigma", [None, 0.6])
def test_a_radial_model_renders_as_the_built_in_profile(psf_sigma):
    target = make_target(shape=(32, 36), pixelscale=0.5, psf_sigma=psf_sigma, psf_width=11)
    ours, custom = pair(target, n=1.0)
    a, b = ours().data, custom().data
    # 8x8 Gauss points per pixel against polychrome's adaptive integration (1e-5 relative)
    assert np.max(np.abs(a - b)) < 2e-3 * a.max()
    assert abs(b.sum() / a.sum() - 1) < 1e-3


def test_finite_difference_jacobian_matches_the_analytic_one():
    target = make_target(shape=(32, 36), pixelscale=0.5, psf_sigma=0.6, psf_width=11)
    ours, custom = pair(target, n=1.0)
    analytic = ours.jacobian().data
    numeric = custom.jacobian().data
    assert numeric.shape == analytic.shape == (7,) + target.shape
    for k, name in enumerate(["x", "y", "q", "PA", "n", "Re", "Ie"]):
        scale = np.max(np.abs(analytic[k]))
        difference = np.abs(numeric[k] - analytic[k])
        # the pixel holding the cusp (an n = 1 kink) limits the fixed 8x8 Gauss rule to ~1%;
        # everywhere else the two agree to the quadrature's 1e-3
        assert np.max(difference) < 1.5e-2 * scale, name
        assert np.sum(difference) < 2e-3 * np.sum(np.abs(analytic[k])), name


def test_a_custom_model_initialises_and_fits_to_the_truth():
    target = make_target(shape=(32, 36), pixelscale=0.5)
    truth, _ = pair(target)
    sigma = 0.02
    data = truth().data + np.random.default_rng(4).normal(0, sigma, truth().data.shape)
    observed = ap.image.Target_Image(data, variance=np.full(data.shape, sigma ** 2), pixelscale=0.5)
    model = NumpySersic(name="fit", target=observed, parameters={"my_n": 1.0, "my_Re": 2.0, "my_Ie": 0.0})
    model.initialize()  # centre and shape from the data; the user's parameters as given
    assert np.hypot(*(model["center"].value - GEOMETRY["center"])) < 0.5
    result = ap.fit.LM(model).fit()
    assert result.success and abs(result.chi2_ndf - 1) < 0.1
    for name, true in (("my_n", 1.5), ("my_Re", 2.5), ("my_Ie", 0.2), ("q", 0.65), ("PA", 0.8)):
        assert abs(model[name].value - true) < 4 * model[name].uncertainty, name


def test_an_image_function_renders_with_class_settings_as_options():
    target = make_target(shape=(30, 30), pixelscale=0.5)
    blob = GaussianBlob(name="blob", target=target, spread=2.0,
                        parameters={"center": [7.5, 7.5], "my_sigma": 0.6, "my_flux": 1.0})
    reference = ap.models.Model(name="g", model_type="gaussian galaxy model", target=target, center=[7.5, 7.5],
                                q=1.0, PA=0.0, sigma=1.2, flux=1.0)
    np.testing.assert_allclose(blob().data, reference().data, atol=1e-3 * reference().data.max())
    assert blob.parameter_order == ("center", "my_sigma", "my_flux")
    assert "blob model" in ap.models.AutoProf_Model.List_Model_Names()


def test_custom_model_errors_say_the_numpy_way(monkeypatch):
    target = make_target(shape=(10, 10))

    class TorchStyle(ap.models.Component_Model):
        model_type = "torch style model"
        parameter_specs = {"a": {}}

        def evaluate_model(self, X=None, Y=None, image=None, parameters=None):
            X, Y = image.get_coordinate_meshgrid_torch(0, 0)
            return X

    import polychrome.models.custom_brightness as custom_brightness

    with monkeypatch.context() as patch:  # as without PyTorch (with it, see test_torch_interop.py)
        patch.setattr(custom_brightness, "torch_installed", lambda: False)
        with pytest.raises(TypeError, match="get_coordinate_meshgrid_torch needs PyTorch, which is not installed"):
            TorchStyle(name="t", target=target, parameters={"center": [1, 1], "a": 1.0})()
    with pytest.raises(ValueError, match=r"parameter_specs\['a'\]: unknown key\(s\) \['bounds'\]"):
        class Bad(ap.models.Component_Model):
            model_type = "bad model"
            parameter_specs = {"a": {"bounds": (0, 1)}}
    with pytest.raises(ValueError, match="is one of polychrome's"):
        class Clash(ap.models.Component_Model):
            model_type = "sersic galaxy model"
            parameter_specs = {"a": {}}

            def evaluate_model(self, X=None, Y=None, image=None, parameters=None):
                return X
