"""Extract of AstroPhot's AdvancedPSFModels tutorial (tag 0.10.0): the same calls per cell.

Changes: ``import polychrome as ap`` (the notebook imports autophot); ``import torch`` kept where PyTorch is installed (cell 0);
the mock data the notebook makes with torch (``torch.zeros``, ``torch.manual_seed`` /
``torch.normal``, ``torch.ones_like``) made with numpy (data preparation, as the downloads of
the other tutorials are replaced by simulated data).
"""
# %% cell 0: imports
import numpy as np
from astropy.io import fits
import matplotlib.pyplot as plt
from time import time
import polychrome as ap
try:
    import torch  # the notebook's import: PyTorch is optional for polychrome
except ImportError:  # without it, the cells that use torch raise NameError (counted "needs torch")
    pass

# %% cell 1: mock data of a Sersic through a Moffat PSF (n = 2, Rd = 3)
true_psf = ap.utils.initialize.moffat_psf(2., 3., 51, 1.)
target = ap.image.Target_Image(data=np.zeros((99, 99)), pixelscale=1., psf=true_psf)
true_model = ap.models.AutoPhot_Model(
    name="true model", model_type="sersic galaxy model", target=target,
    parameters={"center": [50.1, 50.1], "q": 0.4, "PA": np.pi / 3, "n": 2, "Re": 25, "Ie": 1},
    psf_mode="full",
)
sample = true_model()
rng = np.random.default_rng(61803398)
target.data = sample.data + rng.normal(0.0, 0.1, sample.data.shape)
target.variance = 0.01 * np.ones_like(sample.data)
fig, ax = plt.subplots(1, 2, figsize=(16, 7))
ap.plots.model_image(fig, ax[0], true_model)
ap.plots.target_image(fig, ax[1], target)
plt.show()

# %% cell 2: a plain Sersic fit
plain_galaxy_model = ap.models.AutoPhot_Model(name="galaxy model", model_type="sersic galaxy model", target=target)
plain_galaxy_model.initialize()
result = ap.fit.LM(plain_galaxy_model, verbose=1).fit()
print(result.message)

# %% cell 3
fig, ax = plt.subplots(1, 2, figsize=(16, 7))
ap.plots.model_image(fig, ax[0], plain_galaxy_model)
ap.plots.residual_image(fig, ax[1], plain_galaxy_model)
plt.show()

# %% cell 4: a Sersic with a live Moffat PSF model
live_galaxy_model = ap.models.AutoPhot_Model(name="galaxy model", model_type="sersic galaxy model", target=target, psf_mode="full")
live_psf_model = ap.models.AutoPhot_Model(
    name="psf", model_type="moffat star model", target=target, window=[[0, 51], [0, 51]],
    parameters={"n": 1., "Rd": 2., "center": {"value": [25.5, 25.5], "locked": True},
                "I0": {"value": 1., "locked": True}},
    psf_upscale=1.,
)
live_galaxy_model.set_aux_psf(live_psf_model)
live_galaxy_model.initialize()
result = ap.fit.LM(live_galaxy_model, verbose=1).fit()
result.update_uncertainty()
print(result.message)

# %% cell 5
print("fitted n for moffat PSF: ", live_galaxy_model["psf:n"].value.item(), "we were hoping to get 2!")
print("fitted Rd for moffat PSF: ", live_galaxy_model["psf:Rd"].value.item(), "we were hoping to get 3!")
print(live_galaxy_model.parameters)

# %% cell 6
fig, ax = plt.subplots(1, 2, figsize=(16, 7))
ap.plots.model_image(fig, ax[0], live_galaxy_model)
ap.plots.residual_image(fig, ax[1], live_galaxy_model)
plt.show()

# %% cell 7: mock data of a galaxy and a star
true_psf2 = ap.utils.initialize.moffat_psf(2., 3., 51, 1.)
target2 = ap.image.Target_Image(data=np.zeros((100, 100)), pixelscale=1., psf=true_psf)
true_galaxy2 = ap.models.AutoPhot_Model(
    name="true galaxy", model_type="sersic galaxy model", target=target2,
    parameters={"center": [50.1, 50.1], "q": 0.4, "PA": np.pi / 3, "n": 2, "Re": 25, "Ie": 1},
    psf_mode="full",
)
true_star2 = ap.models.AutoPhot_Model(
    name="true star", model_type="moffat star model", target=target2,
    parameters={"center": [70, 70], "n": 2, "Rd": 3, "I0": 1.},
)
true_model2 = ap.models.AutoPhot_Model(name="true model", model_type="group model", target=target2,
                                       models=[true_galaxy2, true_star2])
sample2 = true_model2()
rng = np.random.default_rng(1618033988)
target2.data = sample2.data + rng.normal(0.0, 0.1, sample2.data.shape)
target2.variance = 0.01 * np.ones_like(sample2.data)
fig, ax = plt.subplots(1, 2, figsize=(16, 7))
ap.plots.model_image(fig, ax[0], true_model2)
ap.plots.target_image(fig, ax[1], target2)
plt.show()

# %% cell 8: the galaxy, its PSF model and the star that shares it
galaxy_model2 = ap.models.AutoPhot_Model(name="galaxy model", model_type="sersic galaxy model", target=target, psf_mode="full")
psf_model2 = ap.models.AutoPhot_Model(
    name="psf", model_type="moffat star model", target=target2, window=[[0, 51], [0, 51]],
    parameters={"n": 1., "Rd": 2., "center": {"value": [25.5, 25.5], "locked": True},
                "I0": {"value": 1., "locked": True}},
    psf_upscale=1.,
)
galaxy_model2.set_aux_psf(psf_model2)
galaxy_model2.initialize()
star_model2 = ap.models.AutoPhot_Model(name="star model", model_type="moffat star model", target=target2,
                                       parameters={"center": [72, 68]})
star_model2.initialize()
star_model2.add_equality_constraint(psf_model2, ["n", "Rd"])
full_model2 = ap.models.AutoPhot_Model(name="full model", model_type="group model",
                                       models=[galaxy_model2, star_model2], target=target2)
result = ap.fit.LM(full_model2, verbose=1).fit()
print(result.message)

# %% cell 9
fig, ax = plt.subplots(1, 2, figsize=(16, 7))
ap.plots.model_image(fig, ax[0], full_model2)
ap.plots.residual_image(fig, ax[1], full_model2)
plt.show()

# %% cell 10
print("fitted n for moffat PSF: ", galaxy_model2["psf:n"].value.item(), "we were hoping to get 2!")
print("fitted Rd for moffat PSF: ", galaxy_model2["psf:Rd"].value.item(), "we were hoping to get 3!")
print("fitted n for moffat PSF: ", star_model2["n"].value.item(), "we were hoping to get 2!")
print("fitted Rd for moffat PSF: ", star_model2["Rd"].value.item(), "we were hoping to get 3!")
