"""Special-function evaluations per pixel of the exact Gaussian renderer (no timing).

Replays the piece logic of cpp/src/kernels/gaussian_render.cpp (rules, slope bound, negligible
pieces) in Python and counts, per line piece, the erfc calls (one per pixel edge of the ready
range per node), the exp calls (one marginal per node; with the Jacobian one more per edge per
node). Usage: python bench/gaussian_exact_evals.py
"""

import numpy as np

RULES = [(6, 0.5, 0.1), (8, 3.0, 0.5), (12, 6.0, 3.0)]
MAX_DEPTH, UNDERFLOW, NEGLIGIBLE = 64, 745.0, 50.0


def pixel_gaussian(shape, sigma, q, pa, center, log10_i0=0.0):
    R = np.array([[np.cos(pa), -np.sin(pa)], [np.sin(pa), np.cos(pa)]])
    Q = np.linalg.inv(R @ np.diag([sigma ** 2, (q * sigma) ** 2]) @ R.T)
    swap = Q[1, 1] > Q[0, 0]
    ia, ib = (1, 0) if swap else (0, 1)
    ny, nx = shape
    g = dict(na=ny if swap else nx, nb=nx if swap else ny, ac=center[ia], bc=center[ib],
             Qaa=Q[ia, ia], Qab=Q[ia, ib], Qbb=Q[ib, ib], log_scale=np.log(10.0) * log10_i0)
    det = g["Qaa"] * g["Qbb"] - g["Qab"] ** 2
    g.update(s=1 / np.sqrt(g["Qaa"]), slope=-g["Qab"] / g["Qaa"], iva=det / g["Qbb"], ivb=det / g["Qaa"])
    return g


def count(g):
    counts = dict(erfc=0, exp=0, edge_exp=0)
    neg = UNDERFLOW + max(g["log_scale"], 0.0)

    def piece(b0, b1, depth, pending):
        h = 0.5 * (b1 - b0)
        K = g["Qbb"] * h * h
        gap_b = b0 if b0 > 0 else (-b1 if b1 < 0 else 0.0)
        ready, split, rule = [], [], -1
        for j in pending:
            a0, a1 = j - g["ac"], j + 1 - g["ac"]
            gap_a = a0 if a0 > 0 else (-a1 if a1 < 0 else 0.0)
            if max(0.5 * gap_b ** 2 * g["ivb"], 0.5 * gap_a ** 2 * g["iva"]) > neg:
                continue
            d0, d1 = g["slope"] * b0, g["slope"] * b1
            near = max(max(a0 - d, d - a1, 0.0) for d in (d0, d1))
            reach = np.sqrt(near ** 2 + 2 * NEGLIGIBLE * g["s"] ** 2)
            l0, l1 = max(a0, min(d0, d1) - reach), min(a1, max(d0, d1) + reach)
            lam = max(abs(g["Qab"] * a + g["Qbb"] * b) for a in (l0, l1) for b in (b0, b1))
            r = next((k for k, (n, Lm, Km) in enumerate(RULES) if lam * h <= Lm and K <= Km), -1)
            if r < 0 and depth >= MAX_DEPTH:
                r = 3
            if r < 0:
                split.append(j)
            else:
                ready.append(j)
                rule = max(rule, r)
        if ready:
            n = [6, 8, 12, 16][rule]
            edges = max(ready) - min(ready) + 2
            counts["erfc"] += n * edges
            counts["exp"] += n
            counts["edge_exp"] += n * edges
        if split:
            mid = 0.0 if (b0 < -1e-3 * h and b1 > 1e-3 * h) else 0.5 * (b0 + b1)
            piece(b0, mid, depth + 1, split)
            piece(mid, b1, depth + 1, split)

    for line in range(g["nb"]):
        piece(line - g["bc"], line + 1 - g["bc"], 0, list(range(g["na"])))
    return counts


if __name__ == "__main__":
    cases = [
        ("256x256 sigma 10 px q 0.7 (peers_zoo-like)", (256, 256), 10.0, 0.7, 0.5),
        ("256x256 sigma 3 px q 0.5", (256, 256), 3.0, 0.5, 1.0),
        ("256x256 sigma 1 px q 1", (256, 256), 1.0, 1.0, 0.0),
        ("256x256 sigma 30 px q 0.3", (256, 256), 30.0, 0.3, 2.0),
        ("51x51 PSF sigma 1.5 px q 0.9", (51, 51), 1.5, 0.9, 0.3),
        ("64x64 sigma 0.3 px q 0.2", (64, 64), 0.3, 0.2, 0.8),
    ]
    print(f"{'case':45s} {'erfc/px':>8s} {'exp/px':>8s} {'+exp/px (Jacobian)':>19s}")
    for name, shape, sigma, q, pa in cases:
        center = (shape[1] / 2 + 0.17, shape[0] / 2 - 0.29)
        c = count(pixel_gaussian(shape, sigma, q, pa, center))
        npx = shape[0] * shape[1]
        print(f"{name:45s} {c['erfc'] / npx:8.2f} {c['exp'] / npx:8.3f} {c['edge_exp'] / npx:19.2f}")
