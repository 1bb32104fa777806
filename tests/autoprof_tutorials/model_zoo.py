"""Extract of AutoProf 0.8's ModelZoo tutorial: every model type it shows, the same calls per cell.

Changes: ``import polychrome as ap``; ``import torch`` kept where PyTorch is installed (cell 0) (cells using torch fail); the
repeated show-the-model lines are one helper, ``show``, defined in the first cell and making
the notebook's calls (parameter_order, units, initialize, model_image, a profile plot).
"""
# %% cell 0: imports, the empty target, the helper
import numpy as np
import matplotlib.pyplot as plt
import polychrome as ap
try:
    import torch  # the notebook's import: PyTorch is optional for polychrome
except ImportError:  # without it, the cells that use torch raise NameError (counted "needs torch")
    pass

basic_target = ap.image.Target_Image(np.zeros((100, 100)), pixelscale=1, zeropoint=20)


def show(M, profile=None):
    print(M.parameter_order)
    print(tuple(P.units for P in M.parameters))
    M.initialize()
    fig, ax = plt.subplots(1, 2, figsize=(14, 6))
    ap.plots.model_image(fig, ax[0], M)
    if profile is not None:
        profile(fig, ax[1], M)
    plt.show()

# %% flat sky
M = ap.models.AutoProf_Model(name="flat sky", model_type="flat sky model", parameters={"center": [50, 50], "sky": 1}, target=basic_target)
show(M, None)

# %% plane sky
M = ap.models.AutoProf_Model(name="plane sky", model_type="plane sky model", parameters={"center": [50, 50], "sky": 10, "delta": [1e-2, 2e-2]}, target=basic_target)
show(M, None)

# %% psf star on an Airy-disc PSF
from scipy.special import jv
xx, yy = np.meshgrid(np.linspace(-49, 49, 99), np.linspace(-49, 49, 99))
x = np.sqrt(xx ** 2 + yy ** 2) / 5 + 1e-6
PSF = (2 * jv(1, x) / x) ** 2 + 1e-4
target = ap.image.Target_Image(data=np.zeros((100, 100)), pixelscale=1, zeropoint=20, psf=PSF)
M = ap.models.AutoProf_Model(name="psf star", model_type="psf star model", target=target, parameters={"center": [49.5, 49.5], "flux": 1})
print(M.parameter_order)
print(tuple(P.units for P in M.parameters))
M.initialize()
fig, ax = plt.subplots(1, 2, figsize=(14, 6))
ap.plots.model_image(fig, ax[0], M)
x = np.linspace(-49, 49, 99) / 5 + 1e-6
ax[1].plot(x, np.log10((2 * jv(1, x) / x) ** 2))
plt.show()

# %% gaussian star: its radial function on torch radii
M = ap.models.AutoProf_Model(name="gaussian star", model_type="gaussian star model", parameters={"center": [50, 50], "sigma": 10, "flux": 1}, target=basic_target)
show(M)
fig, ax = plt.subplots()
ax.plot(np.linspace(0, 50, 100), M.radial_model(torch.linspace(0, 50, 100)).detach().cpu().numpy())
plt.show()

# %% moffat star: its radial function on torch radii
M = ap.models.AutoProf_Model(name="moffat star", model_type="moffat star model", parameters={"center": [50, 50], "n": 2., "Rd": 10., "I0": 1.}, target=basic_target)
show(M)
fig, ax = plt.subplots()
ax.plot(np.linspace(0, 50, 100), M.radial_model(torch.linspace(0, 50, 100)).detach().cpu().numpy())
plt.show()

# %% spline galaxy: a profile from a sine and a line, knot radii given ("prof")
x = np.linspace(0, 10, 14)
spline_profile = np.sin(x * 2 + 2) / 20 + 1 - x / 20
NP_prof = [0] + list(np.logspace(np.log10(2), np.log10(50), 13))
M = ap.models.AutoProf_Model(name="spline galaxy", model_type="spline galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "I(R)": {"value": spline_profile, "prof": NP_prof}}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% sersic galaxy
M = ap.models.AutoProf_Model(name="sersic galaxy", model_type="sersic galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "n": 3, "Re": 10, "Ie": 1}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% exponential galaxy
M = ap.models.AutoProf_Model(name="exponential galaxy", model_type="exponential galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "Re": 10, "Ie": 1}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% gaussian galaxy
M = ap.models.AutoProf_Model(name="Gaussian", model_type="gaussian galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "sigma": 20, "flux": 1}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% nuker galaxy
M = ap.models.AutoProf_Model(name="Nuker", model_type="nuker galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "Rb": 10., "Ib": 1., "alpha": 4., "beta": 3., "gamma": -0.2}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% edge-on
M = ap.models.AutoProf_Model(name="edgeon", model_type="isothermal sech2 edgeon model", parameters={"center": [50, 50], "PA": 60 * np.pi / 180, "I0": 0., "hs": 3., "rs": 5.}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% spline superellipse
M = ap.models.AutoProf_Model(name="spline superellipse", model_type="spline superellipse galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "C0": 2, "I(R)": {"value": spline_profile, "prof": NP_prof}}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% sersic superellipse
M = ap.models.AutoProf_Model(name="sersic superellipse", model_type="sersic superellipse galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "C0": 2, "n": 3, "Re": 10, "Ie": 1}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% exponential superellipse
M = ap.models.AutoProf_Model(name="exponential superellipse", model_type="exponential superellipse galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "C0": 2, "Re": 10, "Ie": 1}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% gaussian superellipse
M = ap.models.AutoProf_Model(name="gaussian superellipse", model_type="gaussian superellipse galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "C0": 2, "sigma": 20, "flux": 1}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% nuker superellipse
M = ap.models.AutoProf_Model(name="nuker superellipse", model_type="nuker superellipse galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "C0": 2, "Rb": 10., "Ib": 1., "alpha": 4., "beta": 3., "gamma": -0.2}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% fourier modes; spline fourier
fourier_am = np.array([0.1, 0.3, -0.2])
fourier_phim = np.array([10 * np.pi / 180, 0, 40 * np.pi / 180])

M = ap.models.AutoProf_Model(name="spline fourier", model_type="spline fourier galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "am": fourier_am, "phim": fourier_phim, "I(R)": {"value": spline_profile, "prof": NP_prof}}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% sersic fourier
M = ap.models.AutoProf_Model(name="sersic fourier", model_type="sersic fourier galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "am": fourier_am, "phim": fourier_phim, "n": 3, "Re": 10, "Ie": 1}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% exponential fourier
M = ap.models.AutoProf_Model(name="exponential fourier", model_type="exponential fourier galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "am": fourier_am, "phim": fourier_phim, "Re": 10, "Ie": 1}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% gaussian fourier
M = ap.models.AutoProf_Model(name="gaussian fourier", model_type="gaussian fourier galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "am": fourier_am, "phim": fourier_phim, "sigma": 20, "flux": 1}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% nuker fourier
M = ap.models.AutoProf_Model(name="nuker fourier", model_type="nuker fourier galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "am": fourier_am, "phim": fourier_phim, "Rb": 10., "Ib": 1., "alpha": 4., "beta": 3., "gamma": -0.2}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% warp curves; spline warp
warp_q = np.linspace(0.1, 0.4, 14)
warp_pa = np.linspace(0, np.pi - 0.2, 14)

M = ap.models.AutoProf_Model(name="spline warp", model_type="spline warp galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "q(R)": warp_q, "PA(R)": warp_pa, "I(R)": {"value": spline_profile, "prof": NP_prof}}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% sersic warp
M = ap.models.AutoProf_Model(name="sersic warp", model_type="sersic warp galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "q(R)": warp_q, "PA(R)": warp_pa, "n": 3, "Re": 10, "Ie": 1}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% exp warp
M = ap.models.AutoProf_Model(name="exp warp", model_type="exponential warp galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "q(R)": warp_q, "PA(R)": warp_pa, "Re": 10, "Ie": 1}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% gauss warp
M = ap.models.AutoProf_Model(name="gauss warp", model_type="gaussian warp galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "q(R)": warp_q, "PA(R)": warp_pa, "sigma": 30, "flux": 1}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% nuker warp
M = ap.models.AutoProf_Model(name="nuker warp", model_type="nuker warp galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "q(R)": warp_q, "PA(R)": warp_pa, "Rb": 10., "Ib": 1., "alpha": 4., "beta": 3., "gamma": -0.2}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% spline ray
M = ap.models.AutoProf_Model(name="spline ray", model_type="spline ray galaxy model", symmetric_rays=True, rays=2, parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "I(R)": {"value": np.array([spline_profile * 2, spline_profile]), "prof": NP_prof}}, target=basic_target)
show(M, ap.plots.ray_light_profile)

# %% sersic ray
M = ap.models.AutoProf_Model(name="sersic ray", model_type="sersic ray galaxy model", symmetric_rays=True, rays=2, parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "n": [1, 3], "Re": [10, 5], "Ie": [1, 0.5]}, target=basic_target)
show(M, ap.plots.ray_light_profile)

# %% exponential ray
M = ap.models.AutoProf_Model(name="exponential ray", model_type="exponential ray galaxy model", symmetric_rays=True, rays=2, parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "Re": [10, 5], "Ie": [1, 2]}, target=basic_target)
show(M, ap.plots.ray_light_profile)

# %% gaussian ray
M = ap.models.AutoProf_Model(name="gaussian ray", model_type="gaussian ray galaxy model", symmetric_rays=True, rays=2, parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "sigma": [10, 20], "flux": [1.5, 1.]}, target=basic_target)
show(M, ap.plots.ray_light_profile)

# %% nuker ray
M = ap.models.AutoProf_Model(name="nuker ray", model_type="nuker ray galaxy model", symmetric_rays=True, rays=2, parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "Rb": [10., 1.], "Ib": [1., 0.], "alpha": [4., 1.], "beta": [3., 1.], "gamma": [-0.2, 0.2]}, target=basic_target)
show(M, ap.plots.ray_light_profile)

# %% spline wedge
M = ap.models.AutoProf_Model(name="spline wedge", model_type="spline wedge galaxy model", symmetric_wedges=True, wedges=2, parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "I(R)": {"value": np.array([spline_profile, spline_profile * 2]), "prof": NP_prof}}, target=basic_target)
show(M, ap.plots.wedge_light_profile)

# %% spline super warp
M = ap.models.AutoProf_Model(name="spline super warp", model_type="spline superellipse warp galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "q(R)": warp_q, "PA(R)": warp_pa, "C0": 2, "I(R)": {"value": spline_profile, "prof": NP_prof}}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% sersic super warp
M = ap.models.AutoProf_Model(name="sersic super warp", model_type="sersic superellipse warp galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "q(R)": warp_q, "PA(R)": warp_pa, "C0": 2, "n": 3, "Re": 10, "Ie": 1}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% exponential super warp
M = ap.models.AutoProf_Model(name="exponential super warp", model_type="exponential superellipse warp galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "q(R)": warp_q, "PA(R)": warp_pa, "C0": 2, "Re": 10, "Ie": 1}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% gauss super warp
M = ap.models.AutoProf_Model(name="gauss super warp", model_type="gaussian superellipse warp galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "q(R)": warp_q, "PA(R)": warp_pa, "C0": 2, "sigma": 30, "flux": 1}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% spline fourier warp
M = ap.models.AutoProf_Model(name="spline fourier warp", model_type="spline fourier warp galaxy model", modes=(1, 3, 4), parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "q(R)": warp_q, "PA(R)": warp_pa, "am": fourier_am, "phim": fourier_phim, "I(R)": {"value": spline_profile, "prof": NP_prof}}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% sersic fourier warp
M = ap.models.AutoProf_Model(name="sersic fourier warp", model_type="sersic fourier warp galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "q(R)": warp_q, "PA(R)": warp_pa, "am": fourier_am, "phim": fourier_phim, "n": 3, "Re": 10, "Ie": 1}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% exp fourier warp
M = ap.models.AutoProf_Model(name="exp fourier warp", model_type="exponential fourier warp galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "q(R)": warp_q, "PA(R)": warp_pa, "am": fourier_am, "phim": fourier_phim, "Re": 10, "Ie": 1}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)

# %% gaussian fourier warp
M = ap.models.AutoProf_Model(name="gaussian fourier warp", model_type="gaussian fourier warp galaxy model", parameters={"center": [50, 50], "q": 0.6, "PA": 60 * np.pi / 180, "q(R)": warp_q, "PA(R)": warp_pa, "am": fourier_am, "phim": fourier_phim, "sigma": 20, "flux": 1}, target=basic_target)
show(M, ap.plots.galaxy_light_profile)
