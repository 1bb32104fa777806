"""The PSF convolution's shapes in recorded ``render_convolved`` calls: windows, PSF sizes, the FFT shape
of the whole padded window and the one the convolution uses (shrunk to the box that holds the
rendered light, psf_convolver.cpp's circular_axis), and the rows each pass transforms.

python bench/convolution_shapes.py CALLS.pkl [CALLS.pkl ...]

Counts are per convolved plane (the image and the Jacobian columns but the last, ln 10 times the
image, which render_convolved does not convolve). The lit box is found as render_convolved does,
from the padded render (render_replay.py --padded): the same pixels, so the same box.
"""

import argparse
import collections

import numpy as np

import render_replay as replay
from polychrome import _core


def next_fast_size(n):
    """Smallest 2^a 3^b 5^c >= n (polychrome's next_fast_size)."""
    while True:
        m = n
        for p in (2, 3, 5):
            while m % p == 0:
                m //= p
        if m == 1:
            return n
        n += 1


def circular_axis(begin, end, window, pad):
    """(lit length, transform size) of one axis, as psf_convolver.cpp's circular_axis."""
    first, last = max(begin, 0), min(end, window + 2 * pad)
    highest, lowest = pad + window - 1 - first, pad - (last - 1)
    return last - first, next_fast_size(max(highest, -lowest) + pad + 1)


def planes_and_box(args):
    """The convolved planes' count and the (row, column) box of their nonzero pixels."""
    out = _core.render(*replay.render_only(args))
    parts = [np.asarray(p) for p in (out if isinstance(out, tuple) else (out,)) if p is not None]
    pad_y, pad_x = args[replay.ARG_PSF].pad
    ny, nx = args[replay.ARG_SHAPE]
    stack = np.concatenate([p.reshape(-1, ny + 2 * pad_y, nx + 2 * pad_x) for p in parts])
    if args[replay.ARG_JACOBIAN]:
        stack = stack[:-1]
    rows, cols = np.nonzero(np.any(stack != 0, axis=0))
    return len(stack), (rows.min(), rows.max() + 1, cols.min(), cols.max() + 1)


def summarise(path):
    calls = replay.load(path)
    tally = {key: collections.Counter() for key in ("window", "psf", "full", "used", "x", "y")}
    planes = points_full = points_used = rows_lit = rows_out = 0
    for args, _ in calls:
        psf = args[replay.ARG_PSF]
        pad_y, pad_x = psf.pad
        ny, nx = args[replay.ARG_SHAPE]
        count, box = planes_and_box(args)
        r0, r1, c0, c1 = (int(v) for v in box)
        lit_rows, size_y = circular_axis(r0, r1, ny, pad_y)
        _, size_x = circular_axis(c0, c1, nx, pad_x)
        full = tuple(psf.fft_shape((ny, nx)))
        for key, value in (("window", (ny, nx)), ("psf", psf.psf.shape), ("full", full),
                           ("used", (size_y, size_x)), ("x", size_x), ("y", size_y)):
            tally[key][value] += count
        planes += count
        points_full += count * full[0] * full[1]
        points_used += count * size_y * size_x
        rows_lit += count * lit_rows
        rows_out += count * ny
    print(f"{path}: {len(calls)} calls, {planes} convolved planes")
    for key, title in (("window", "windows"), ("psf", "PSF shapes"), ("full", "FFT shape of the padded window"),
                       ("used", "FFT shape used"), ("y", "rows' transform size (column FFT length)"),
                       ("x", "row FFT length")):
        print(f"  {title}:", ", ".join(f"{k} x{v}" for k, v in tally[key].most_common(12)))
    print(f"  FFT points used / padded window's: {points_used / points_full:.2f}; per plane: "
          f"{rows_lit / planes:.1f} lit rows (forward row pass), {rows_out / planes:.1f} window rows (inverse)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("calls", nargs="+")
    replay.PADDED = True
    for path in parser.parse_args().calls:
        summarise(path)


if __name__ == "__main__":
    main()
