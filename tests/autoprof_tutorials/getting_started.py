"""Extract of AutoProf 0.8's GettingStarted tutorial: the same calls, one cell per notebook cell.

Changes from the notebook: ``import polychrome as ap``; the Legacy Survey download replaced by
simulated_data.getting_started_image() (same shape and pixel scale); IPython magics dropped;
``import torch`` kept where PyTorch is installed (cell 0); cells using torch keep their calls.
"""
# %% cell 0: imports
import os
import numpy as np
from astropy.io import fits
import matplotlib.pyplot as plt
from time import time
import polychrome as ap
try:
    import torch  # the notebook's import: PyTorch is optional for polychrome
except ImportError:  # without it, the cells that use torch raise NameError (counted "needs torch")
    pass
import simulated_data

# %% cell 1: a model with all its parameters given, on an empty image
model1 = ap.models.AutoProf_Model(
    name="model1",
    model_type="sersic galaxy model",
    parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "n": 2, "Re": 10, "Ie": 1},
    target=ap.image.Target_Image(np.zeros((100, 100)), pixelscale=1),
)
model1.initialize()
print(model1)

# %% cell 2: plot it
fig, ax = plt.subplots(figsize=(8, 8))
ap.plots.model_image(fig, ax, model1)
plt.show()

# %% cell 3: the target image (simulated in place of the download)
target_data = np.array(simulated_data.getting_started_image(), dtype=np.float64)
target = ap.image.Target_Image(
    data=target_data,
    pixelscale=0.262,
    zeropoint=22.5,
    variance=np.ones(target_data.shape) / 1e3,
)
fig3, ax3 = plt.subplots(figsize=(8, 8))
ap.plots.target_image(fig3, ax3, target)
plt.show()

# %% cell 4: a model that starts from the data
model2 = ap.models.AutoProf_Model(
    name="model with target",
    model_type="sersic galaxy model",
    target=target,
)
model2.initialize()
fig4, ax4 = plt.subplots(1, 2, figsize=(16, 7))
ap.plots.model_image(fig4, ax4[0], model2)
ap.plots.residual_image(fig4, ax4[1], model2)
plt.show()

# %% cell 5: fit it
result = ap.fit.LM(model2, verbose=1).fit()
print("Fit message:", result.message)

# %% cell 6: the fitted model and residuals
fig5, ax5 = plt.subplots(1, 2, figsize=(16, 7))
ap.plots.model_image(fig5, ax5[0], model2)
ap.plots.residual_image(fig5, ax5[1], model2)
plt.show()

# %% cell 7: light profiles of the model and the data
fig10, ax10 = plt.subplots(figsize=(8, 8))
ap.plots.galaxy_light_profile(fig10, ax10, model2)
ap.plots.radial_median_profile(fig10, ax10, model2)
plt.show()

# %% cell 8: uncertainties
result.update_uncertainty()
for P in model2.parameters:
    print(f"parameter {P.name} is: {P.value.detach().cpu().tolist()} +- {P.uncertainty.detach().cpu().tolist()}")

# %% cell 9: a model on a window of the image
model3 = ap.models.AutoProf_Model(
    name="model with target",
    model_type="sersic galaxy model",
    target=target,
    window=[[480, 590], [555, 665]],
)
fig6, ax6 = plt.subplots(figsize=(8, 8))
ap.plots.target_image(fig6, ax6, model3.target)
ap.plots.model_window(fig6, ax6, model3)
plt.show()

# %% cell 10: fit the window
model3.initialize()
result = ap.fit.LM(model3, verbose=1).fit()
print(result.message)

# %% cell 11
fig7, ax7 = plt.subplots(1, 2, figsize=(16, 7))
ap.plots.model_image(fig7, ax7[0], model3)
ap.plots.residual_image(fig7, ax7[1], model3)
plt.show()

# %% cell 12: limits and locks given at construction
constrained_param_model = ap.models.AutoProf_Model(
    name="constrained parameters", model_type="sersic galaxy model",
    parameters={
        "q": {"limits": [0.4, 0.6]},
        "n": {"limits": [2, 3]},
        "PA": {"value": 60 * np.pi / 180, "locked": True},
    },
)

# %% cell 13: an equality constraint
model_1 = ap.models.AutoProf_Model(
    name="constrained 1",
    model_type="sersic galaxy model",
    parameters={"center": [50, 50], "PA": np.pi / 4},
)
model_2 = ap.models.AutoProf_Model(
    name="constrained 2",
    model_type="exponential galaxy model",
)
model_2.add_equality_constraint(model_1, "PA")
print("initial values: model_1 PA", model_1["PA"].value.item(), "model_2 PA", model_2["PA"].value.item())
model_1["PA"].value = np.pi / 3
print("change model_1: model_1 PA", model_1["PA"].value.item(), "model_2 PA", model_2["PA"].value.item())
model_2["PA"].value = np.pi / 2
print("change model_2: model_1 PA", model_1["PA"].value.item(), "model_2 PA", model_2["PA"].value.item())

# %% cell 14: parameter order and constraints
print("model_1 parameters: ", model_1.parameter_order, " are any parameter constrained: ", model_1.equality_constraints)
print("model_2 parameters: ", model_2.parameter_order, " are any parameter constrained: ", model_2.equality_constraints)

# %% cell 15: PSF convolution, a model's own PSF and mask
xx, yy = np.meshgrid(np.linspace(-5, 5, 301), np.linspace(-5, 5, 301))
PSF = np.exp(-(xx ** 2 + yy ** 2) / 0.8 ** 2)
PSF /= np.sum(PSF)
target = ap.image.Target_Image(data=target_data, pixelscale=0.262, zeropoint=22.5, psf=PSF)
model_nopsf = ap.models.AutoProf_Model(
    name="model without psf", model_type="sersic galaxy model", target=target,
    parameters={"center": [90, 90], "q": 0.6, "PA": 60 * np.pi / 180, "n": 2, "Re": 10, "Ie": 1},
    psf_mode="none",
)
model_psf = ap.models.AutoProf_Model(
    name="model with psf", model_type="sersic galaxy model", target=target,
    parameters={"center": [90, 90], "q": 0.6, "PA": 60 * np.pi / 180, "n": 2, "Re": 10, "Ie": 1},
    psf_mode="full",
)
PSF2 = np.exp(-(xx ** 2 + yy ** 2) / 0.4 ** 2)
PSF2[:, 148:153] += 0.01
PSF2[148:153, :] += 0.01
PSF2 /= np.sum(PSF2)
model_mask = torch.zeros_like(target.data)
model_mask[100:150, 400:450] = 1
model_selfpsf = ap.models.AutoProf_Model(
    name="model with self psf", model_type="sersic galaxy model", target=target,
    parameters={"center": [90, 90], "q": 0.6, "PA": 60 * np.pi / 180, "n": 4, "Re": 10, "Ie": 1},
    psf_mode="full", psf=PSF2, mask=model_mask,
)
print("psf mode: ", model_psf.psf_mode)
fig, ax = plt.subplots(1, 3, figsize=(16, 7))
ap.plots.model_image(fig, ax[0], model_nopsf)
ap.plots.model_image(fig, ax[1], model_psf)
ap.plots.model_image(fig, ax[2], model_selfpsf)
plt.show()

# %% cell 16: save with the default file name
model2.save()
with open("AutoProf.yaml", "r") as f:
    print(f.read())

# %% cell 17: load it again
model4 = ap.models.AutoProf_Model(name="no name", filename="AutoProf.yaml", target=target)
print(model4)

# %% cell 18: the model image to FITS
model2().save("model2.fits")
saved_image_hdu = fits.open("model2.fits")
fig, ax = plt.subplots(figsize=(8, 8))
ax.imshow(np.log10(saved_image_hdu[0].data), origin="lower", cmap=ap.plots.visuals.cmap_grad)
plt.show()

# %% cell 19: the target to FITS and back
target.save("target.fits")
new_target = ap.image.Target_Image(filename="target.fits")
fig, ax = plt.subplots(figsize=(8, 8))
ap.plots.target_image(fig, ax, new_target)
plt.show()

# %% cell 20: set all values from one vector
print("parameter input order: ", model4.parameter_order)
fig9, ax9 = plt.subplots(1, 2, figsize=(16, 7))
ap.plots.model_image(fig9, ax9[0], model4)
new_parameters = torch.tensor([75, 110, 0.4, 20 * np.pi / 180, 3, 25, 0.12])
model4.initialize()
model4.parameters.set_values(new_parameters)
ap.plots.model_image(fig9, ax9[1], model4)

# %% cell 21: the pixels of the model image
fig2, ax2 = plt.subplots(figsize=(8, 8))
pixels = model4().data.detach().cpu().numpy()
im = plt.imshow(np.log10(pixels), origin="lower", cmap=ap.plots.visuals.cmap_grad)
plt.colorbar(im)
plt.show()

# %% cell 22: a model class by its own name
model1_v2 = ap.models.Sersic_Galaxy(
    name="model1 v2",
    parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "n": 2, "Re": 10, "Ie": 1},
    target=ap.image.Target_Image(np.zeros((100, 100)), pixelscale=1),
    psf_mode="full",
)
print(model1_v2)

# %% cell 23: the model types
print(ap.models.AutoProf_Model.List_Model_Names(useable=True))
print("only star models: ", ap.models.Star_Model.List_Model_Names())

# %% cell 24: the device
print(ap.AP_config.ap_device)

# %% cell 25
ap.AP_config.ap_device = "cpu"

# %% cell 26: single precision
ap.AP_config.ap_dtype = torch.float32
W1 = ap.image.Window(origin=[0, 0], shape=[1, 1])
print("now a single:", W1.origin.dtype)
ap.AP_config.ap_dtype = torch.float64
W2 = ap.image.Window(origin=[0, 0], shape=[1, 1])
print("back to double:", W2.origin.dtype)

# %% cell 27: logging
ap.AP_config.set_logging_output(stdout=False, filename="AutoProf.log")
ap.AP_config.ap_logger.info("message 1: this should only appear in the AutoProf log file")
ap.AP_config.set_logging_output(stdout=True, filename=None)
ap.AP_config.ap_logger.info("message 2: this should only print to the console")
ap.AP_config.set_logging_output(stdout=True, filename="AutoProf.log")
ap.AP_config.ap_logger.info("message 3: this should appear in both the console and the log file")
