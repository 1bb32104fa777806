"""A group of five overlapping galaxies plus a flat sky, fitted together on
independently simulated data (exact pixel integrals plus noise, no PSF)."""

import numpy as np

import polychrome as pc
from reference_integrals import Profile, reference_image

GALAXIES = [dict(center=(20.3, 22.1), q=0.7, PA=0.3, n=1.5, Re=4.0, Ie=0.2),
            dict(center=(30.2, 26.4), q=0.5, PA=1.9, n=3.0, Re=3.0, Ie=0.1),
            dict(center=(25.7, 35.6), q=0.8, PA=2.6, n=1.0, Re=5.0, Ie=-0.1),
            dict(center=(38.4, 18.8), q=0.4, PA=0.9, n=2.0, Re=3.5, Ie=0.0),
            dict(center=(40.9, 38.2), q=0.9, PA=1.2, n=4.0, Re=2.5, Ie=0.3)]
SKY = 0.05  # flux / arcsec^2


def test_five_overlapping_galaxies_and_sky():
    shape = (60, 60)
    clean = np.full(shape, SKY)
    for g in GALAXIES:
        clean += reference_image(Profile("sersic", dict(n=g["n"], Re=g["Re"], Ie=g["Ie"])), shape,
                                 g["center"], g["q"], g["PA"], gauss_nodes=10)
    sigma = 0.01 * clean.max()
    data = clean + np.random.default_rng(4).normal(0.0, sigma, shape)
    target = pc.image.TargetImage(data, variance=np.full(shape, sigma**2))
    members = [pc.models.Model(name="sky", model_type="flat sky model", target=target, F=0.8 * SKY)]
    for k, g in enumerate(GALAXIES):
        members.append(pc.models.Model(
            name=f"gal{k}", model_type="sersic galaxy model", target=target,
            center=[g["center"][0] + 0.4, g["center"][1] - 0.3], q=min(g["q"] + 0.1, 0.95),
            PA=g["PA"] + 0.2, n=g["n"] * 0.8, Re=g["Re"] * 1.2, Ie=g["Ie"] - 0.15))
    group = pc.models.Model(name="field", model_type="group model", models=members, target=target)
    result = pc.fit.LM(group, max_iter=200).fit()
    assert result.message == "success"
    assert 0.85 < result.chi2_ndf < 1.15
    assert abs(group.models["sky"]["F"].value - SKY) < 4 * group.models["sky"]["F"].uncertainty
    for k, g in enumerate(GALAXIES):
        model = group.models[f"gal{k}"]
        for name in ("q", "n", "Re", "Ie"):
            assert abs(model[name].value - g[name]) < 4 * model[name].uncertainty, (k, name)
        assert np.all(np.abs(model["center"].value - g["center"]) < 4 * model["center"].uncertainty)
