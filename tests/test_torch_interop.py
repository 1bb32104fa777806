"""Scripts whose own code is PyTorch (AutoProf's custom models, tensors as inputs) run when torch is
installed: the user's torch brightness functions get CPU float64 tensors and give the same pixels
and Jacobians as the same functions written in numpy; polychrome accepts CPU tensors where it
accepts arrays. Torch stays optional: without it polychrome imports, renders numpy user code and
says the numpy way (the last test blocks torch in a fresh interpreter)."""

import subprocess
import sys

import numpy as np
import pytest

import polychrome as ap
from model_helpers import make_target
from polychrome.models.registry import model_types, unregister

torch = pytest.importorskip("torch")

NAMES = ("torch sersic galaxy model", "numpy twin galaxy model", "torch blob model", "torch initialize model",
         "typo model")


@pytest.fixture(scope="module")
def user():
    """The user classes, defined (and so registered) only while this module's tests run, and
    forgotten afterwards (a registration at collection would be seen by other modules' tests)."""

    class Namespace:
        class TorchSersic(ap.models.Galaxy_Model):
            """The CustomModels tutorial's Sersic, in torch."""

            model_type = "torch sersic galaxy model"
            parameter_specs = {"my_n": {"limits": (0.36, 8)}, "my_Re": {"limits": (0, None)}, "my_Ie": {}}
            _parameter_order = ap.models.Galaxy_Model._parameter_order + ("my_n", "my_Re", "my_Ie")

            def radial_model(self, R, image=None, parameters=None):
                bn = ap.utils.conversions.functions.sersic_n_to_b(self["my_n"].value)
                return self["my_Ie"].value * (image.pixelscale ** 2) * torch.exp(
                    -bn * ((R / self["my_Re"].value) ** (1. / self["my_n"].value) - 1))

        class NumpyTwin(TorchSersic):
            model_type = "numpy twin galaxy model"

            def radial_model(self, R, image=None, parameters=None):
                bn = ap.utils.conversions.functions.sersic_n_to_b(self["my_n"].value)
                return self["my_Ie"].value * (image.pixelscale ** 2) * np.exp(
                    -bn * ((R / self["my_Re"].value) ** (1. / self["my_n"].value) - 1))

        class TorchBlob(ap.models.Component_Model):
            """The tutorial's image-function model: the meshgrid asked for as tensors."""

            model_type = "torch blob model"
            parameter_specs = {"my_sigma": {"limits": (0, None)}, "my_flux": {}}

            def evaluate_model(self, X=None, Y=None, image=None, parameters=None):
                X, Y = image.get_coordinate_meshgrid_torch(self["center"].value[0], self["center"].value[1])
                sigma = self["my_sigma"].value
                return self["my_flux"].value * image.pixel_area * torch.exp(-(X ** 2 + Y ** 2) / (2 * sigma ** 2))

    yield Namespace
    for name in NAMES:
        if name in model_types():
            unregister(name)


VALUES = dict(center=[8.3, 7.9], q=0.65, PA=0.8, my_n=1.5, my_Re=2.5, my_Ie=1.2)


def test_a_torch_radial_model_gives_the_numpy_pixels_and_jacobian(user):
    target = make_target(shape=(32, 36), pixelscale=0.5, psf_sigma=0.6, psf_width=11)
    in_torch = user.TorchSersic(name="t", target=target, parameters=dict(VALUES))
    in_numpy = user.NumpyTwin(name="n", target=target, parameters=dict(VALUES))
    image = in_torch().data
    assert isinstance(image, np.ndarray) and image.dtype == np.float64
    np.testing.assert_allclose(image, in_numpy().data, rtol=1e-12, atol=1e-15)
    # finite differences (step 1e-5 of a value) magnify the last-bit differences of torch.exp and np.exp
    np.testing.assert_allclose(in_torch.jacobian().data, in_numpy.jacobian().data, rtol=1e-6, atol=1e-9)
    assert user.TorchSersic.__dict__["_brightness_in_torch"] is True  # found once, remembered
    assert "_brightness_in_torch" not in user.NumpyTwin.__dict__


def test_a_torch_image_function_with_the_torch_meshgrid(user):
    target = make_target(shape=(30, 30), pixelscale=0.5)
    blob = user.TorchBlob(name="b", target=target, parameters={"center": [7.5, 7.5], "my_sigma": 1.2, "my_flux": 2.0})
    reference = ap.models.Model(name="g", model_type="gaussian galaxy model", target=target, center=[7.5, 7.5],
                                q=1.0, PA=0.0, sigma=1.2, flux=np.log10(2.0 * 2 * np.pi * 1.2 ** 2))
    np.testing.assert_allclose(blob().data, reference().data, atol=1e-3 * reference().data.max())


def test_a_torch_initialize_reads_tensors_of_its_window(user):
    class TorchStart(user.TorchSersic):
        model_type = "torch initialize model"

        def initialize(self, target=None, parameters=None):
            if target is None:
                target = self.target
            super().initialize(target=target, parameters=parameters)
            target_area = target[self.window]
            if self["my_Ie"].value is None:
                self["my_Ie"].set_value(torch.median(target_area[self.integrate_window(target_area, "pixel")].data),
                                        override_locked=True)

    truth = user.NumpyTwin(name="truth", target=make_target(shape=(40, 40), pixelscale=0.5), parameters=dict(VALUES))
    target = ap.image.Target_Image(truth().data, pixelscale=0.5)
    model = TorchStart(name="s", target=target, parameters={"my_n": 1.0, "my_Re": 2.0})
    model.initialize()
    column, row = (int(v) for v in np.floor(target.plane_to_pixel(*model["center"].value)))
    box = target.data[row - 5:row + 6, column - 5:column + 6]
    expected = torch.median(torch.from_numpy(box.ravel().copy())).item()  # torch's median: the lower middle
    assert model["my_Ie"].value == pytest.approx(expected, rel=1e-15)
    assert np.hypot(*(model["center"].value - np.array(VALUES["center"]))) < 0.3


def test_a_type_error_of_the_users_own_is_not_taken_for_torch(user):
    class Typo(ap.models.Component_Model):
        model_type = "typo model"
        parameter_specs = {"a": {}}

        def evaluate_model(self, X=None, Y=None, image=None, parameters=None):
            return X + "oops"

    with pytest.raises(TypeError):  # numpy's own TypeError, as the user wrote it
        Typo(name="t", target=make_target(shape=(8, 8)), parameters={"center": [1, 1], "a": 1.0})()
    assert not Typo.__dict__.get("_brightness_in_torch", False)


def test_tensors_are_taken_wherever_arrays_are():
    data = torch.from_numpy(np.random.default_rng(1).normal(size=(20, 22)))
    target = ap.image.Target_Image(data=data, variance=torch.ones(20, 22, dtype=torch.float64), pixelscale=0.5)
    np.testing.assert_array_equal(target.data, data.numpy())
    model = ap.models.AutoProf_Model(name="m", model_type="sersic galaxy model", target=target,
                                     parameters={"center": torch.tensor([5.0, 5.5]), "q": torch.tensor(0.6),
                                                 "PA": 0.3, "n": 2, "Re": 2.0, "Ie": 0.0})
    assert isinstance(model["center"].value, np.ndarray) and model["q"].value == pytest.approx(0.6)
    model.parameters.set_values(torch.tensor([5.5, 5.0, 0.5, 0.2, 3.0, 2.5, 0.1], dtype=torch.float64))
    assert model["n"].value == 3.0 and list(model["center"].value) == [5.5, 5.0]
    with pytest.raises(AttributeError, match="'detach' is a PyTorch tensor method; polychrome's values are numpy"):
        model["n"].value.detach()


def test_ap_dtype_takes_torch_float64_and_refuses_single_precision():
    ap.AP_config.ap_dtype = torch.float64
    assert ap.AP_config.ap_dtype is np.float64
    with pytest.raises(ValueError, match=r"polychrome computes in double precision \(float64\) only.*torch.float32"):
        ap.AP_config.ap_dtype = torch.float32


def test_without_torch_polychrome_imports_and_says_the_numpy_way():
    script = r'''
import sys
sys.modules["torch"] = None  # as if PyTorch were not installed
sys.path.insert(0, "tests")
import numpy as np
import polychrome as ap
from model_helpers import make_target
from polychrome.models.torch_interop import torch_installed
assert not torch_installed()

class Blob(ap.models.Component_Model):
    model_type = "blob without torch model"
    parameter_specs = {"s": {}}
    def evaluate_model(self, X=None, Y=None, image=None, parameters=None):
        return np.exp(-(X ** 2 + Y ** 2) / 2)

class TorchStyle(ap.models.Component_Model):
    model_type = "torch style without torch model"
    parameter_specs = {"s": {}}
    def evaluate_model(self, X=None, Y=None, image=None, parameters=None):
        X, Y = image.get_coordinate_meshgrid_torch(0, 0)
        return X

target = make_target(shape=(10, 10))
assert Blob(name="b", target=target, parameters={"center": [2, 2], "s": 1.0})().data.sum() > 0
try:
    TorchStyle(name="t", target=target, parameters={"center": [2, 2], "s": 1.0})()
except TypeError as error:
    assert "needs PyTorch, which is not installed" in str(error) and "get_coordinate_meshgrid(x, y)" in str(error)
else:
    raise AssertionError("no error")
print("ok")
'''
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]
