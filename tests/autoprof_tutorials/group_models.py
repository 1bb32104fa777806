"""Extract of AutoProf 0.8's GroupModels tutorial: the same calls, one cell per notebook cell.

Changes: ``import polychrome as ap``; the Legacy Survey download (VV 166) replaced by
simulated_data.group_models_image() (750 x 750 at 0.262"); ``import torch`` kept where PyTorch is
installed (cell 0); cell 14's deletion of six segmentation windows by their numbers in the
downloaded image done by what they were (the segments of galaxies already modelled).
"""
# %% cell 0: imports
import numpy as np
from astropy.io import fits
import matplotlib.pyplot as plt
from scipy.stats import iqr
import polychrome as ap
try:
    import torch  # the notebook's import: PyTorch is optional for polychrome
except ImportError:  # without it, the cells that use torch raise NameError (counted "needs torch")
    pass
import simulated_data

# %% cell 1: the image (simulated in place of the download)
target_data = np.array(simulated_data.group_models_image(), dtype=np.float64)
target1 = ap.image.Target_Image(data=target_data, pixelscale=0.262, zeropoint=22.5)
fig1, ax1 = plt.subplots(figsize=(8, 8))
ap.plots.target_image(fig1, ax1, target1)
plt.show()

# %% cell 2: mask the saturated stars, set a variance
mask = np.zeros(target_data.shape, dtype=bool)
mask[410:445, 371:402] = True
mask[296:357, 151:206] = True
mask[558:590, 291:322] = True
pixelscale = 0.262
target2 = ap.image.Target_Image(
    data=target_data,
    pixelscale=pixelscale,
    zeropoint=22.5,
    mask=mask,
    variance=0.001 * np.abs(target_data + iqr(target_data, rng=[16, 84]) / 2),
)
fig2, ax2 = plt.subplots(figsize=(8, 8))
ap.plots.target_image(fig2, ax2, target2)
plt.show()

# %% cell 3: the models, windows given in arcsec as (xmin, xmax, ymin, ymax)
model_kwargs = [
    {"name": "sky", "model_type": "flat sky model", "window": np.array([0, 750, 0, 750]) * pixelscale},
    {"name": "NGC0070", "model_type": "spline galaxy model", "window": np.array([133, 581, 229, 744]) * pixelscale},
    {"name": "NGC0071", "model_type": "spline galaxy model", "window": np.array([43, 622, 72, 513]) * pixelscale},
    {"name": "NGC0068", "model_type": "spline galaxy model", "window": np.array([390, 726, 204, 607]) * pixelscale},
]
model_list = []
for M in model_kwargs:
    model_list.append(ap.models.AutoProf_Model(target=target2, **M))
VV166Group = ap.models.AutoProf_Model(name="VV166 Group", model_type="group model", models=model_list, target=target2)
fig3, ax3 = plt.subplots(figsize=(8, 8))
ap.plots.target_image(fig3, ax3, VV166Group.target)
ap.plots.model_window(fig3, ax3, VV166Group)
plt.show()

# %% cell 4: starting values from the data
VV166Group.initialize()
fig4, ax4 = plt.subplots(1, 2, figsize=(16, 7))
ap.plots.model_image(fig4, ax4[0], VV166Group)
for M in VV166Group.models.values():
    if M.name == "sky":
        continue
    ap.plots.galaxy_light_profile(fig4, ax4[1], M)
plt.legend()
plt.show()

# %% cell 5: fit the group
result = ap.fit.LM(VV166Group, verbose=1).fit()
print(result.message)

# %% cell 6
fig5, ax5 = plt.subplots(1, 3, figsize=(17, 5))
ap.plots.model_image(fig5, ax5[0], VV166Group)
for M in VV166Group.models.values():
    if M.name == "sky":
        continue
    ap.plots.galaxy_light_profile(fig5, ax5[1], M)
    ap.plots.radial_median_profile(fig5, ax5[1], M)
ax5[1].legend()
ap.plots.residual_image(fig5, ax5[2], VV166Group)
plt.show()

# %% cell 7: a member's parameter through the group
print(VV166Group["NGC0070:PA"])
print(VV166Group["NGC0071:PA"])

# %% cell 8: more members
VV166Group.add_model(ap.models.AutoProf_Model(name="litte 1", model_type="sersic galaxy model", target=target2, window=[[325, 400], [295, 386]]))
VV166Group.add_model(ap.models.AutoProf_Model(name="litte 2", model_type="sersic galaxy model", target=target2, window=[[412, 504], [127, 231]]))
VV166Group.add_model(ap.models.AutoProf_Model(name="litte 3", model_type="sersic galaxy model", target=target2, window=[[214, 288], [583, 662]]))

# %% cell 9
fig6, ax6 = plt.subplots(figsize=(8, 8))
ap.plots.target_image(fig6, ax6, VV166Group.target)
ap.plots.model_window(fig6, ax6, VV166Group)
plt.show()

# %% cell 10: only the new members get starting values
VV166Group.initialize()

# %% cell 11
result = ap.fit.LM(VV166Group, verbose=1).fit()
print(result.message)

# %% cell 12
fig7, ax7 = plt.subplots(1, 3, figsize=(17, 5))
ap.plots.model_image(fig7, ax7[0], VV166Group)
for M in VV166Group.models.values():
    if not "NGC" in M.name:
        continue
    ap.plots.galaxy_light_profile(fig7, ax7[1], M)
ax7[1].legend()
ax7[1].set_ylim([27, 15])
ap.plots.residual_image(fig7, ax7[2], VV166Group)
plt.show()

# %% cell 13: a segmentation map with photutils
from photutils.segmentation import detect_sources
segmap = detect_sources(target_data, threshold=0.1, npixels=20, mask=mask)
fig8, ax8 = plt.subplots(figsize=(8, 8))
ax8.imshow(segmap, origin="lower")
plt.show()

# %% cell 14: windows from the segmentation map
windows = ap.utils.initialize.windows_from_segmentation_map(segmap.data)
windows = ap.utils.initialize.filter_windows(windows, max_size=100)
windows = ap.utils.initialize.scale_windows(windows, image_shape=target_data.shape, expand_scale=3, expand_border=10)
# The notebook deletes six windows by number here (del windows[20], ... [7]): those of its
# downloaded image that hold galaxies the group already models. The numbers belong to that
# image; on the simulated one, those are the segments under a member's centre.
centres = [target2.plane_to_pixel(*M["center"].value) for M in VV166Group.models.values() if M.name != "sky"]
for k in {int(segmap.data[int(round(cy)), int(round(cx))]) for cx, cy in centres} & set(windows):
    del windows[k]
print(windows)

# %% cell 15: a model per window
seg_models = []
for win in windows:
    seg_models.append({"name": f"minor object {win:02d}", "window": windows[win], "model_type": "sersic galaxy model", "target": target2})
for M in seg_models:
    VV166Group.add_model(ap.models.AutoProf_Model(**M))
VV166Group.initialize()

# %% cell 16
fig9, ax9 = plt.subplots(figsize=(8, 8))
ap.plots.target_image(fig9, ax9, VV166Group.target)
ap.plots.model_window(fig9, ax9, VV166Group)
plt.show()

# %% cell 17: fit one member at a time, cycling
result = ap.fit.Iter(VV166Group, verbose=1).fit()
print(result.message)

# %% cell 18
fig10, ax10 = plt.subplots(1, 2, figsize=(16, 7))
ap.plots.model_image(fig10, ax10[0], VV166Group)
ap.plots.residual_image(fig10, ax10[1], VV166Group)
plt.show()

# %% cell 19
fig8, ax8 = plt.subplots(figsize=(8, 8))
for M in VV166Group.models.values():
    if not "NGC" in M.name:
        continue
    ap.plots.galaxy_light_profile(fig8, ax8, M)
ax8.legend()
ax8.set_ylim([26, 16])
plt.show()
