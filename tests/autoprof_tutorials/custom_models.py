"""Extract of AutoProf 0.8's CustomModels tutorial: the same calls, one cell per notebook cell.

Changes: ``import polychrome as ap``; the Legacy Survey download replaced by
simulated_data.getting_started_image(); ``import torch`` kept where PyTorch is installed (cell 0). The user models keep their
torch arithmetic (``torch.exp``, ``torch.median``, ``torch.sqrt``): with PyTorch installed they
run on tensors (polychrome/models/torch_interop.py), without it they fail;
tests/test_custom_models.py runs the same models written with numpy.
"""
# %% cell 0: imports, logging to the console
import numpy as np
from astropy.io import fits
import matplotlib.pyplot as plt
import polychrome as ap
try:
    import torch  # the notebook's import: PyTorch is optional for polychrome
except ImportError:  # without it, the cells that use torch raise NameError (counted "needs torch")
    pass
import simulated_data
ap.AP_config.set_logging_output(stdout=True, filename=None)

# %% cell 1: a Sersic written by the user: only its radial brightness
class My_Sersic(ap.models.Galaxy_Model):
    """A Sersic profile with parameters of its own."""

    model_type = f"mysersic {ap.models.Galaxy_Model.model_type}"
    parameter_specs = {
        "my_n": {"limits": (0.36, 8)},
        "my_Re": {"limits": (0, None)},
        "my_Ie": {},
    }
    _parameter_order = ap.models.Galaxy_Model._parameter_order + ("my_n", "my_Re", "my_Ie")

    def radial_model(self, R, image=None, parameters=None):
        bn = ap.utils.conversions.functions.sersic_n_to_b(self["my_n"].value)
        return self["my_Ie"].value * (image.pixelscale ** 2) * torch.exp(-bn * ((R / self["my_Re"].value) ** (1. / self["my_n"].value) - 1))

# %% cell 2: the image (simulated in place of the download)
target_data = np.array(simulated_data.getting_started_image(), dtype=np.float64)
target = ap.image.Target_Image(data=target_data, pixelscale=0.262, zeropoint=22.5)
fig, ax = plt.subplots(figsize=(8, 8))
ap.plots.target_image(fig, ax, target)
plt.show()

# %% cell 3: the custom model on it
my_model = My_Sersic(name="wow I made a model", target=target,
                     parameters={"my_n": 1., "my_Re": 50, "my_Ie": 1.})
my_model.initialize()
fig, ax = plt.subplots(1, 2, figsize=(16, 7))
ap.plots.model_image(fig, ax[0], my_model)
ap.plots.residual_image(fig, ax[1], my_model)
plt.show()

# %% cell 4: fit it
result = ap.fit.LM(my_model, verbose=1).fit()
print(result.message)

# %% cell 5
fig, ax = plt.subplots(1, 2, figsize=(16, 7))
ap.plots.model_image(fig, ax[0], my_model)
ap.plots.residual_image(fig, ax[1], my_model)
plt.show()

# %% cell 6: the custom model with its own initialize
class My_Super_Sersic(My_Sersic):
    model_type = "super awesome sersic model"

    def initialize(self, target=None, parameters=None):
        if target is None:
            target = self.target
        if parameters is None:
            parameters = self.parameters
        super().initialize(target=target, parameters=parameters)
        target_area = target[self.window]
        if self["my_n"].value is None:
            self["my_n"].set_value(2., override_locked=True)
            self["my_n"].set_uncertainty(0.1, override_locked=True)
        if self["my_Re"].value is None:
            self["my_Re"].set_value(20., override_locked=True)
            self["my_Re"].set_uncertainty(0.1, override_locked=True)
        if self["my_Ie"].value is None:
            self["my_Ie"].set_value(torch.median(target_area[self.integrate_window(target_area, "pixel")].data), override_locked=True)
            self["my_Ie"].set_uncertainty(0.1, override_locked=True)

# %% cell 7
my_super_model = My_Super_Sersic(name="goodness I made another one", target=target)
my_super_model.initialize()
fig, ax = plt.subplots(1, 2, figsize=(16, 7))
ap.plots.model_image(fig, ax[0], my_super_model)
ap.plots.residual_image(fig, ax[1], my_super_model)
plt.show()

# %% cell 8
result = ap.fit.LM(my_super_model, verbose=1).fit()
print(result.message)

# %% cell 9
fig, ax = plt.subplots(1, 2, figsize=(16, 7))
ap.plots.model_image(fig, ax[0], my_super_model)
ap.plots.residual_image(fig, ax[1], my_super_model)
plt.show()

# %% cell 10: a model defined by its image function
class My_InvR(ap.models.Component_Model):
    model_type = "InvR model"
    parameter_specs = {
        "my_Rs": {"limits": (0, None)},
        "my_I0": {},
    }
    _parameter_order = ap.models.Component_Model._parameter_order + ("my_Rs", "my_I0")
    epsilon = 1e-4

    def evaluate_model(self, X=None, Y=None, image=None, parameters=None):
        if X is None or Y is None:
            X, Y = image.get_coordinate_meshgrid_torch(self["center"].value[0], self["center"].value[1])
        return self["my_I0"].value * image.pixelscale ** 2 / torch.sqrt(X ** 2 + Y ** 2 + self.epsilon)

# %% cell 11
simpletarget = ap.image.Target_Image(data=np.zeros([100, 100]), pixelscale=1)
newmodel = My_InvR(name="newmodel", epsilon=1, parameters={"center": [50, 50], "my_Rs": 10, "my_I0": 1.}, target=simpletarget)
fig, ax = plt.subplots(1, 1, figsize=(16, 7))
ap.plots.model_image(fig, ax, newmodel)
plt.show()
