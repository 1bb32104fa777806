"""PSF-convolved Sersic render: polychrome against pyimfit, in one process.

Model: 256 x 256 pixels (pixel scale 1), Sersic n = 2.5, Re = 10 px,
q = 0.6, PA = 30 deg, convolved with a 51 x 51 Moffat PSF (beta 3, FWHM 4 px).
Every timed call changes the centre slightly so that nothing is reused
between calls except what each library caches by design (PSF transforms,
plans). Prints median times (ms) of polychrome image-only and image +
Jacobian (threads default and threads=1) and of pyimfit (maxThreads default
and 1), their ratios, and the largest relative difference between the two
images on pixels brighter than 1e-3 of the peak (imfit's own pixel
subsampling is coarser, so ~1e-3 differences are expected).

Order: polychrome is timed first. imfit calls omp_set_num_threads() and
leaves OpenMP at one thread for the whole process (even after maxThreads=0);
polychrome's threads come from its own pool and policy, which that does not
touch. Pass --pyimfit-first to time pyimfit first.

Usage: python bench/convolve_vs_pyimfit.py [--repeat N] [--pyimfit-first]
"""

import argparse
import contextlib
import io
import math
import statistics
import time

import numpy as np

import polychrome as pc

SHAPE = (256, 256)
N, RE, Q, PA_DEG = 2.5, 10.0, 0.6, 30.0
IE = 0.0  # log10 surface brightness at Re, flux per pixel


def moffat_psf(size=51, fwhm=4.0, beta=3.0):
    alpha = fwhm / (2 * math.sqrt(2 ** (1 / beta) - 1))
    r = np.arange(size) - size // 2
    psf = (1 + (r[:, None] ** 2 + r[None, :] ** 2) / alpha ** 2) ** (-beta)
    return psf / psf.sum()


def centres(repeat):
    rng = np.random.default_rng(0)
    return [(128.3 + d[0], 127.7 + d[1]) for d in rng.uniform(-0.3, 0.3, (repeat, 2))]


def median_ms(call, repeat):
    times = []
    for c in centres(repeat):
        t0 = time.perf_counter()
        call(c)
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def make_polychrome(threads, jacobian):
    conv = pc.PsfConvolver(moffat_psf())  # owns the cached PSF transform

    def call(c):
        return pc.render_profile("sersic", dict(n=N, Re=RE, Ie=IE), SHAPE, center=c, q=Q,
                                 PA=math.radians(PA_DEG), jacobian=jacobian, threads=threads,
                                 psf=conv)

    call(centres(1)[0])
    return call


def make_pyimfit(threads):
    import pyimfit

    description = pyimfit.SimpleModelDescription()
    description.x0.setValue(129.0)
    description.y0.setValue(129.0)
    sersic = pyimfit.make_imfit_function("Sersic")
    # Imfit: PA in degrees from +y; ell = 1 - q; r_e in pixels; I_e flux/pixel
    for name, value in (("PA", PA_DEG + 90.0), ("ell", 1 - Q), ("n", N), ("I_e", 10 ** IE),
                        ("r_e", RE)):
        getattr(sersic, name).setValue(value)
    description.addFunction(sersic)
    imfit = pyimfit.Imfit(description, psf=moffat_psf(), maxThreads=threads)
    with contextlib.redirect_stdout(io.StringIO()):  # pyimfit prints a debug line here
        imfit.getModelImage(shape=SHAPE)
    names = [n.rsplit("_", 1)[0] for n in imfit.numberedParameterNames]

    def call(c):
        # imfit: pixel centres at integers, 1-based: x0 = x + 0.5
        p = dict(X0=c[0] + 0.5, Y0=c[1] + 0.5, PA=PA_DEG + 90.0, ell=1 - Q, n=N, I_e=10 ** IE,
                 r_e=RE)
        return imfit.getModelImage(newParameters=np.array([p[n] for n in names], dtype=float))

    return call


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--pyimfit-first", action="store_true")
    args = parser.parse_args()

    def run_pyimfit():
        return {t: median_ms(make_pyimfit(t), max(20, args.repeat // 4)) for t in (0, 1)}

    def run_polychrome():
        out = {}
        for t in (0, 1):
            for jac in (False, True):
                out[t, jac] = median_ms(make_polychrome(t, jac), args.repeat)
        return out

    if args.pyimfit_first:
        imfit, poly = run_pyimfit(), run_polychrome()
    else:
        poly, imfit = run_polychrome(), run_pyimfit()

    c = centres(1)[0]
    a = make_polychrome(0, False)(c)
    b = make_pyimfit(0)(c)
    bright = a > 1e-3 * a.max()
    print(f"{'threads':>8}{'polychrome image':>18}{'+ Jacobian(7)':>15}{'jac/image':>11}"
          f"{'pyimfit':>10}{'pyimfit/polychrome':>20}")
    for t in (0, 1):
        label = "default" if t == 0 else str(t)
        print(f"{label:>8}{poly[t, False]:>15.3f} ms{poly[t, True]:>12.3f} ms"
              f"{poly[t, True] / poly[t, False]:>11.2f}{imfit[t]:>7.2f} ms"
              f"{imfit[t] / poly[t, False]:>20.1f}")
    print(f"max relative difference polychrome vs pyimfit (pixels > 1e-3 peak): "
          f"{np.max(np.abs(a[bright] / b[bright] - 1)):.2e}; flux ratio {a.sum() / b.sum():.6f}")


if __name__ == "__main__":
    main()
