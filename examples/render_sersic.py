"""Render a Sersic galaxy (no PSF) and write it as FITS and PNG.

Usage:  python examples/render_sersic.py [--out OUTPUT_DIR]

The galaxy: n = 2.5, Re = 2 arcsec, q = 0.6, PA = 30 deg, on a 256 x 256 grid
of 0.1 arcsec pixels, with its Jacobian; prints timing and flux checks.
"""

import argparse
import os
import time

import numpy as np

import polychrome as pc
from polychrome import _core


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="examples/output", help="folder for the FITS and PNG files")
    parser.add_argument("--size", type=int, default=256, help="image size in pixels")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    scale = 0.1  # arcsec / pixel
    n, re, q, pa, ie = 2.5, 2.0, 0.6, np.radians(30.0), 0.0
    center = (args.size * scale / 2 + 0.03, args.size * scale / 2 - 0.02)
    params = dict(n=n, Re=re, Ie=ie)
    shape = (args.size, args.size)

    pc.render_profile("sersic", params, shape, center=center, q=q, PA=pa, pixelscale=scale)  # warm-up
    start = time.perf_counter()
    image = pc.render_profile("sersic", params, shape, center=center, q=q, PA=pa, pixelscale=scale)
    t_image = time.perf_counter() - start
    start = time.perf_counter()
    _, jac = pc.render_profile("sersic", params, shape, center=center, q=q, PA=pa, pixelscale=scale,
                               jacobian=True)
    t_jac = time.perf_counter() - start

    b, _ = _core.sersic_b(n)
    from math import exp, gamma, pi
    total = 2 * pi * q * re**2 * 10**ie * n * exp(b) * b ** (-2 * n) * gamma(2 * n)
    print(f"rendered {shape[1]}x{shape[0]} Sersic n={n} Re={re}\" q={q} in {t_image * 1e3:.2f} ms "
          f"(image + {jac.shape[0]}-column Jacobian: {t_jac * 1e3:.2f} ms)")
    print(f"flux in window {image.sum():.6f}, analytic total {total:.6f} "
          f"(the window holds {image.sum() / total:.4%})")
    print("Jacobian columns:", ", ".join(pc.parameter_names("sersic")))

    fits_path = os.path.join(args.out, "sersic.fits")
    try:
        from astropy.io import fits

        hdu = fits.PrimaryHDU(image)
        hdu.header["PIXSCALE"] = (scale, "arcsec / pixel")
        hdu.header["SERSIC_N"] = n
        hdu.header["RE"] = (re, "arcsec")
        hdu.header["AXRATIO"] = q
        hdu.header["PA"] = (np.degrees(pa), "deg, counter-clockwise from +x")
        hdu.writeto(fits_path, overwrite=True)
        print("wrote", fits_path)
    except ImportError:
        np.save(fits_path.replace(".fits", ".npy"), image)
        print("astropy not installed: wrote", fits_path.replace(".fits", ".npy"))

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.colors import AsinhNorm

        fig, ax = plt.subplots(figsize=(5, 4.5))
        extent = (0, args.size * scale, 0, args.size * scale)
        im = ax.imshow(image, origin="lower", extent=extent, cmap="inferno",
                       norm=AsinhNorm(linear_width=image.max() * 1e-3))
        ax.set_xlabel("x [arcsec]")
        ax.set_ylabel("y [arcsec]")
        ax.set_title(f"Sersic n={n}, Re={re}\", q={q}, PA=30 deg")
        fig.colorbar(im, ax=ax, label="flux / pixel")
        png_path = os.path.join(args.out, "sersic.png")
        fig.savefig(png_path, dpi=100, bbox_inches="tight")
        print("wrote", png_path)
    except ImportError:
        print("matplotlib not installed: no PNG written")


if __name__ == "__main__":
    main()
