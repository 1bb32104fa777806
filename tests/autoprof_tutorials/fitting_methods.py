"""Extract of AutoProf 0.8's FittingMethods tutorial: the same calls, one cell per notebook cell.

Changes: ``import polychrome as ap``; IPython magics dropped; ``import torch`` kept where PyTorch is installed (cell 0). The notebook's
mock-data function writes its simulated image with torch (``.detach().cpu().numpy()``,
``torch.Tensor``); here that data preparation is written with numpy (the image is already a
numpy array), as the downloads of the other tutorials are replaced by simulated data. Calls on
the fitters' results that use torch (``.detach()``) are kept and fail.
"""
# %% cell 0: imports
import numpy as np
import matplotlib.pyplot as plt
from matplotlib.patches import Ellipse
from scipy.stats import gaussian_kde as kde
from scipy.stats import norm
import polychrome as ap
try:
    import torch  # the notebook's import: PyTorch is optional for polychrome
except ImportError:  # without it, the cells that use torch raise NameError (counted "needs torch")
    pass

# %% cell 1: the mock data and plotting helpers
def true_params():
    sky_param = np.array([1.5])
    sersic_params = np.array([
        [68.44035491, 65.58516735, 0.54945988, 127.19794926 * np.pi / 180, 2.14513004, 22.05219055, 2.45583024],
        [54.00353786, 41.54430634, 0.40203928, 82.03862521 * np.pi / 180, 2.88613347, 12.095631, 2.76711163],
        [43.13601431, 58.3422508, 0.71894728, 167.07973506 * np.pi / 180, 3.964371, 5.3767236, 2.41520244],
    ])
    return sersic_params, sky_param


def init_params():
    sky_param = np.array([1.4])
    sersic_params = np.array([
        [67., 66., 0.6, 130. * np.pi / 180, 1.5, 25., 2.],
        [55., 40., 0.5, 80. * np.pi / 180, 2., 10., 3.],
        [41., 60., 0.8, 170. * np.pi / 180, 3., 4., 2.],
    ])
    return sersic_params, sky_param


def initialize_model(target, use_true_params=True):
    sersic_params, sky_param = true_params() if use_true_params else init_params()
    model_list = [ap.models.AutoProf_Model(
        name="sky", model_type="flat sky model", target=target, parameters={"sky": sky_param[0]},
    )]
    for i, params in enumerate(sersic_params):
        model_list.append([
            ap.models.AutoProf_Model(
                name=f"sersic {i}", model_type="sersic galaxy model", target=target,
                parameters={"center": [params[0], params[1]], "q": params[2], "PA": params[3],
                            "n": params[4], "Re": params[5], "Ie": params[6]},
            )
        ])
    MODEL = ap.models.Group_Model(name="group", models=model_list, target=target)
    MODEL.initialize()
    return MODEL


def generate_target():
    N = 100
    pixelscale = 1.
    rng = np.random.default_rng(42)
    PSF = ap.utils.initialize.gaussian_psf(2, 21, pixelscale)
    PSF /= np.sum(PSF)
    target = ap.image.Target_Image(data=np.zeros((N, N)), pixelscale=pixelscale, psf=PSF)
    MODEL = initialize_model(target, True)
    img = MODEL().data  # numpy already (the notebook: .detach().cpu().numpy())
    target.data = img + rng.normal(scale=np.sqrt(img) / 2)  # (the notebook: torch.Tensor(...))
    target.variance = img / 4
    fig, ax = plt.subplots(figsize=(8, 8))
    ap.plots.target_image(fig, ax, target)
    ax.axis("off")
    plt.show()
    return target


def corner_plot(chain, labels=None, bins=None, true_values=None, plot_density=True, plot_contours=True, figsize=(10, 10)):
    ndim = chain.shape[1]
    fig, axes = plt.subplots(ndim, ndim, figsize=figsize)
    for i in range(ndim):
        for j in range(ndim):
            ax = axes[i, j]
            i_range = (np.min(chain[:, i]), np.max(chain[:, i]))
            j_range = (np.min(chain[:, j]), np.max(chain[:, j]))
            if i == j:
                if plot_density:
                    kde_x = np.linspace(i_range[0], i_range[1], 100)
                    ax.plot(kde_x, kde(chain[:, i])(kde_x), color="green", lw=1)
                if true_values is not None:
                    ax.axvline(true_values[i], color="red", lw=1)
            elif i > j:
                if plot_contours:
                    kde_ij = kde([chain[:, j], chain[:, i]])
                    x, y = np.mgrid[j_range[0]:j_range[1]:30j, i_range[0]:i_range[1]:30j]
                    density = np.reshape(kde_ij(np.vstack([x.ravel(), y.ravel()])).T, x.shape)
                    ax.contour(x, y, density, colors="green", linewidths=1, levels=3)
            else:
                ax.axis("off")
    plt.show()


def corner_plot_covariance(cov_matrix, mean, labels=None, figsize=(10, 10), true_values=None, ellipse_colors="g"):
    num_params = cov_matrix.shape[0]
    fig, axes = plt.subplots(num_params, num_params, figsize=figsize)
    for i in range(num_params):
        for j in range(num_params):
            ax = axes[i, j]
            if i == j:
                s = np.sqrt(cov_matrix[i, i])
                x = np.linspace(mean[i] - 3 * s, mean[i] + 3 * s, 100)
                ax.plot(x, norm.pdf(x, mean[i], s), color="g")
            elif j < i:
                cov = cov_matrix[np.ix_([j, i], [j, i])]
                lambda_, v = np.linalg.eig(cov)
                lambda_ = np.sqrt(lambda_)
                angle = np.rad2deg(np.arctan2(v[1, 0], v[0, 0]))
                for k in [1, 2]:
                    ax.add_artist(Ellipse(xy=(mean[j], mean[i]), width=lambda_[0] * k * 2,
                                          height=lambda_[1] * k * 2, angle=angle,
                                          edgecolor=ellipse_colors, facecolor="none"))
            else:
                ax.axis("off")
    plt.show()


target = generate_target()

# %% cell 2: Levenberg-Marquardt
MODEL = initialize_model(target, False)
fig, axarr = plt.subplots(1, 4, figsize=(24, 5))
ap.plots.model_image(fig, axarr[0], MODEL)
ap.plots.residual_image(fig, axarr[1], MODEL, normalize_residuals=True)
res_lm = ap.fit.LM(MODEL, verbose=1).fit()
ap.plots.model_image(fig, axarr[2], MODEL)
ap.plots.residual_image(fig, axarr[3], MODEL, normalize_residuals=True)
plt.show()

# %% cell 3: the covariance as a corner plot
param_names = list(MODEL.parameter_order)
i = 0
while i < len(param_names):
    param_names[i] = param_names[i].replace(" ", "")
    if "center" in param_names[i]:
        center_name = param_names.pop(i)
        param_names.insert(i, center_name.replace("center", "y"))
        param_names.insert(i, center_name.replace("center", "x"))
    i += 1
ser, sky = true_params()
corner_plot_covariance(
    res_lm.covariance_matrix.detach().cpu().numpy(),
    MODEL.parameters.get_vector().detach().cpu().numpy(),
    labels=param_names, figsize=(20, 20), true_values=np.concatenate((sky, ser.ravel())),
)

# %% cell 4: one model at a time
MODEL = initialize_model(target, False)
fig, axarr = plt.subplots(1, 4, figsize=(24, 5))
ap.plots.model_image(fig, axarr[0], MODEL)
ap.plots.residual_image(fig, axarr[1], MODEL, normalize_residuals=True)
res_iter = ap.fit.Iter(MODEL, verbose=1).fit()
ap.plots.model_image(fig, axarr[2], MODEL)
ap.plots.residual_image(fig, axarr[3], MODEL, normalize_residuals=True)
plt.show()

# %% cell 5: LM over chunks of the parameters
MODEL = initialize_model(target, False)
fig, axarr = plt.subplots(1, 4, figsize=(24, 5))
ap.plots.model_image(fig, axarr[0], MODEL)
ap.plots.residual_image(fig, axarr[1], MODEL, normalize_residuals=True)
res_iterlm = ap.fit.Iter_LM(MODEL, chunks=11, verbose=1).fit()
ap.plots.model_image(fig, axarr[2], MODEL)
ap.plots.residual_image(fig, axarr[3], MODEL, normalize_residuals=True)
plt.show()

# %% cell 6: gradient descent
MODEL = initialize_model(target, False)
fig, axarr = plt.subplots(1, 4, figsize=(24, 5))
ap.plots.model_image(fig, axarr[0], MODEL)
ap.plots.residual_image(fig, axarr[1], MODEL, normalize_residuals=True)
res_grad = ap.fit.Grad(MODEL, verbose=1, max_iter=1000, optim_kwargs={"lr": 5e-3}).fit()
ap.plots.model_image(fig, axarr[2], MODEL)
ap.plots.residual_image(fig, axarr[3], MODEL, normalize_residuals=True)
plt.show()

# %% cell 7: NUTS from the LM solution
MODEL = initialize_model(target, False)
res1 = ap.fit.LM(MODEL).fit()
res_nuts = ap.fit.NUTS(MODEL, warmup=20, max_iter=100, inv_mass=res1.covariance_matrix).fit()

# %% cell 8: its corner plot
param_names = list(MODEL.parameter_order)
ser, sky = true_params()
corner_plot(res_nuts.chain.detach().cpu().numpy(), labels=param_names, figsize=(20, 20),
            true_values=np.concatenate((sky, ser.ravel())))

# %% cell 9: HMC from the LM solution
MODEL = initialize_model(target, False)
res1 = ap.fit.LM(MODEL).fit()
res_hmc = ap.fit.HMC(MODEL, warmup=20, max_iter=200, epsilon=1e-1, leapfrog_steps=20,
                     inv_mass=res1.covariance_matrix).fit()

# %% cell 10: its corner plot
param_names = list(MODEL.parameter_order)
ser, sky = true_params()
corner_plot(res_hmc.chain.detach().cpu().numpy(), labels=param_names, figsize=(20, 20),
            true_values=np.concatenate((sky, ser.ravel())))

# %% cell 11: Metropolis-Hastings
MODEL = initialize_model(target, False)
fig, axarr = plt.subplots(1, 2, figsize=(12, 5))
ap.plots.model_image(fig, axarr[0], MODEL)
ap.plots.residual_image(fig, axarr[1], MODEL, normalize_residuals=True)
plt.show()
res1 = ap.fit.LM(MODEL).fit()
res_mh = ap.fit.MHMCMC(MODEL, verbose=1, max_iter=5000, epsilon=1e-4, report_after=np.inf).fit()

# %% cell 12: its corner plot (thinned)
param_names = list(MODEL.parameter_order)
ser, sky = true_params()
corner_plot(res_mh.chain[::10], labels=param_names, figsize=(20, 20),
            true_values=np.concatenate((sky, ser.ravel())))
