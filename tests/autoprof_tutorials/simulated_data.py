"""Simulated stand-ins for the images the AutoProf tutorials download (same shapes and pixel scales).

Each image is polychrome's rendering of a few Sersic galaxies (known truth,
in ``TRUTH``) plus Gaussian noise from a fixed seed, in the units the
tutorials assume (Legacy Survey r-band cutouts: nanomaggies per pixel,
zeropoint 22.5; sky subtracted, but for the GroupModels image: see ``group_models_image``).
"""

import numpy as np

import polychrome as pc

PIXELSCALE = 0.262  # arcsec per pixel of the Legacy Survey cutouts

# name: (pixel x, pixel y, q, PA rad, n, Re arcsec, Ie log10 flux/arcsec^2)
TRUTH = {
    "getting_started": {
        "galaxy": (350.0, 350.0, 0.55, 1.0, 2.0, 9.0, -0.2),
        "neighbour": (535.0, 610.0, 0.7, 2.2, 1.5, 3.0, 0.0),
    },
    "group_models": {
        "NGC0070": (357.0, 486.0, 0.6, 0.6, 1.5, 12.0, 0.2),
        "NGC0071": (332.0, 292.0, 0.85, 1.8, 3.0, 10.0, 0.3),
        "NGC0068": (558.0, 405.0, 0.75, 2.5, 3.5, 8.0, 0.4),
        "litte 1": (362.0, 340.0, 0.6, 0.3, 1.0, 1.5, 0.3),
        "litte 2": (458.0, 179.0, 0.5, 1.2, 1.0, 2.0, 0.2),
        "litte 3": (251.0, 622.0, 0.7, 2.0, 1.0, 1.8, 0.2),
    },
}
GETTING_STARTED_SIGMA = 1e-3 ** 0.5  # the tutorial sets variance 1/1e3
# The GroupModels tutorial's variance, 0.001 |data + half the 16-84% range|, is Poisson-like: it
# describes counts on a sky level, and the tutorial fits a flat sky. Its image carries that sky
# level, GROUP_SKY per pixel, with noise of variance 0.001 (signal + sky + half the range). On
# sky-subtracted data (no pedestal) the same formula nears 0 wherever the noise is close to minus
# half the range, and no model, the true one included, gets chi^2/ndf near 1 (the true model: 5.5).
GROUP_GAIN = 0.001
GROUP_SKY = 0.05  # flux per pixel: 7 noise sigma below the tutorial's segmentation threshold of 0.1


def _render(shape, sources, pixelscale):
    target = pc.image.TargetImage(np.zeros(shape), pixelscale=pixelscale)
    image = np.zeros(shape)
    for name, (x, y, q, pa, n, re, ie) in sources.items():
        model = pc.models.Model(name=name, model_type="sersic galaxy model", target=target,
                                center=target.pixel_to_plane(x, y), q=q, PA=pa, n=n, Re=re, Ie=ie)
        image += model.sample().data
    return image


def getting_started_image():
    """700 x 700 pixels at 0.262": a galaxy at the centre and a smaller one at pixel (535, 610)."""
    rng = np.random.default_rng(2023)
    image = _render((700, 700), TRUTH["getting_started"], PIXELSCALE)
    return image + rng.normal(0.0, GETTING_STARTED_SIGMA, image.shape)


def _small_sources(rng, count, shape):
    sources = {}
    for k in range(count):
        x, y = rng.uniform(30, shape[1] - 30), rng.uniform(30, shape[0] - 30)
        sources[f"small {k}"] = (x, y, rng.uniform(0.4, 1.0), rng.uniform(0, np.pi), 1.0,
                                 rng.uniform(0.6, 1.2), rng.uniform(0.2, 0.6))
    return sources


def group_models_image():
    """750 x 750 pixels at 0.262": three large galaxies, three small ones, 40 faint galaxies
    scattered over the field, three saturated stars (in the boxes the tutorial masks) and a sky
    level of GROUP_SKY."""
    rng = np.random.default_rng(70)
    shape = (750, 750)
    sources = dict(TRUTH["group_models"])
    sources.update(_small_sources(rng, 40, shape))
    image = _render(shape, sources, PIXELSCALE) + GROUP_SKY
    for (y0, y1, x0, x1) in ((410, 445, 371, 402), (296, 357, 151, 206), (558, 590, 291, 322)):
        image[y0:y1, x0:x1] = 50.0  # saturated: masked by the tutorial
    noise = rng.normal(0.0, 1.0, shape)
    first = image + noise * np.sqrt(GROUP_GAIN * image)
    # the tutorial adds half the 16-84% range of the data to |data|: the noise has the same
    half_range = 0.5 * np.subtract(*np.percentile(first, [84, 16]))
    return image + noise * np.sqrt(GROUP_GAIN * (image + half_range))
