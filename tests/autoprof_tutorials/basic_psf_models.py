"""Extract of AstroPhot's BasicPSFModels tutorial (commit 3a8d678): the same calls per cell.

Changes: ``import polychrome as ap`` (the notebook imports astrophot); magics and
``import torch`` kept where PyTorch is installed (cell 0).
"""
# %% cell 0: imports
import numpy as np
import matplotlib.pyplot as plt
import polychrome as ap
try:
    import torch  # the notebook's import: PyTorch is optional for polychrome
except ImportError:  # without it, the cells that use torch raise NameError (counted "needs torch")
    pass

# %% cell 1: a mock empirical PSF
np.random.seed(124)
psf = ap.utils.initialize.gaussian_psf(2., 101, 0.5)
psf += 1e-7
psf += np.random.normal(scale=psf / 4)
psf[psf < 0] = ap.utils.initialize.gaussian_psf(2., 101, 0.5)[psf < 0]
psf_target = ap.image.PSF_Image(data=psf, pixelscale=0.5)
psf_target.normalize()
fig, ax = plt.subplots()
ap.plots.psf_image(fig, ax, psf_target)
plt.show()
target = ap.image.Target_Image(data=np.zeros((300, 300)), pixelscale=0.5, psf=psf_target)

# %% cell 2: a point source through it
pointsource = ap.models.AstroPhot_Model(
    model_type="point model", target=target, parameters={"center": [75, 75], "flux": 1}, psf=psf_target,
)
pointsource.initialize()
fig, ax = plt.subplots(figsize=(6, 6))
ap.plots.model_image(fig, ax, pointsource)
plt.show()

# %% cell 3: unconvolved, convolved with the target's PSF, with a model's own PSF
model_nopsf = ap.models.AstroPhot_Model(
    model_type="sersic galaxy model", target=target,
    parameters={"center": [75, 75], "q": 0.6, "PA": 60 * np.pi / 180, "n": 3, "Re": 10, "Ie": 1},
    psf_mode="none",
)
model_nopsf.initialize()
model_psf = ap.models.AstroPhot_Model(
    model_type="sersic galaxy model", target=target,
    parameters={"center": [75, 75], "q": 0.6, "PA": 60 * np.pi / 180, "n": 3, "Re": 10, "Ie": 1},
    psf_mode="full",
)
model_psf.initialize()
psf = psf.copy()
psf[49:51] += 4 * np.mean(psf)
psf[:, 49:51] += 4 * np.mean(psf)
psf_target_2 = ap.image.PSF_Image(data=psf, pixelscale=0.5)
psf_target_2.normalize()
model_selfpsf = ap.models.AstroPhot_Model(
    model_type="sersic galaxy model", target=target,
    parameters={"center": [75, 75], "q": 0.6, "PA": 60 * np.pi / 180, "n": 3, "Re": 10, "Ie": 1},
    psf_mode="full", psf=psf_target_2,
)
model_selfpsf.initialize()
fig, ax = plt.subplots(1, 3, figsize=(15, 4))
ap.plots.model_image(fig, ax[0], model_nopsf)
ap.plots.model_image(fig, ax[1], model_psf)
ap.plots.model_image(fig, ax[2], model_selfpsf)
plt.show()
