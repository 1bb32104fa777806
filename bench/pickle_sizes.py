"""Pickle sizes of what a survey worker receives: a 256 x 256 target with a 51 x 51 PSF, a Sersic
model on it before and after a fit, and the fit result; compared with the arrays they must carry.

    python bench/pickle_sizes.py

The pickles should hold the images and the PSF once, and none of the caches the fit filled (FFT
plans and PSF spectra of the convolver, the PSF's extent, rendered images).
"""

import pickle

import numpy as np

import polychrome as pc
from polychrome.utils.initialize import gaussian_psf


def kib(obj):
    return len(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)) / 1024


def main():
    rng = np.random.default_rng(0)
    psf = gaussian_psf(0.6, 51, 0.2)
    target = pc.image.TargetImage(np.zeros((256, 256)), variance=np.full((256, 256), 1e-4), pixelscale=0.2,
                                  psf=psf)
    truth = dict(center=[25.6, 25.4], q=0.6, PA=0.5, n=2.0, Re=2.0)
    model = pc.models.Model(name="gal", model_type="sersic galaxy model", target=target, Ie=0.3, **truth)
    target.data[...] = model.sample().data + rng.normal(0.0, 1e-2, (256, 256))
    model["Re"].value, model["n"].value = 1.7, 1.6
    rows = [("target (before any render)", kib(target)), ("model (unfitted)", kib(model))]
    result = pc.fit.LM(model).fit()
    rows += [("target (after the fit)", kib(target)), ("model (fitted)", kib(model)),
             ("PSFImage (after the fit)", kib(target.psf)), ("PsfConvolver (after the fit)", kib(target.psf.convolver)),
             ("FitResult", kib(result)), ("(model, FitResult)", kib((model, result)))]
    arrays = (target.data.nbytes + target.variance.nbytes + target.mask.nbytes + target.psf.data.nbytes) / 1024
    print(f"arrays a target must carry (data, variance, mask, psf): {arrays:.1f} KiB")
    for name, size in rows:
        print(f"{name:32s} {size:9.1f} KiB")


if __name__ == "__main__":
    main()
