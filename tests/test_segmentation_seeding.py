"""A group model seeded from an image alone (issue 13): detect and segment with photutils
(``ap.utils.initialize.segmentation_map``), a window per segment, a Sersic per window and a flat
sky, ``initialize()``, one LM fit; the fit recovers the simulated galaxies."""

import numpy as np
import pytest

import polychrome as ap

pytest.importorskip("photutils")

SCALE = 0.4  # arcsec per pixel
SKY = 2.0  # flux/arcsec^2
NOISE = 0.05  # flux per pixel
GALAXIES = [dict(center=[14.0, 20.0], q=0.6, PA=0.4, n=1.5, Re=2.0, Ie=0.3),
            dict(center=[35.0, 12.0], q=0.8, PA=2.0, n=1.0, Re=1.2, Ie=0.5),
            dict(center=[30.0, 34.0], q=0.45, PA=1.2, n=2.5, Re=1.6, Ie=0.2)]


def _field(seed):
    shape = (110, 120)
    image = np.full(shape, SKY * SCALE**2)
    for g in GALAXIES:
        image += ap.render_profile("sersic", {"n": g["n"], "Re": g["Re"], "Ie": g["Ie"]}, shape,
                                   center=g["center"], q=g["q"], PA=g["PA"], pixelscale=SCALE)
    data = image + np.random.default_rng(seed).normal(0.0, NOISE, shape)
    return ap.image.Target_Image(data=data, variance=np.full(shape, NOISE**2), pixelscale=SCALE)


@pytest.mark.parametrize("seed", [0, 1])
def test_group_seeded_from_the_image_alone_recovers_the_galaxies(seed):
    target = _field(seed)
    sky_level = SKY * SCALE**2
    segments = ap.utils.initialize.segmentation_map(target, threshold=sky_level + 5 * NOISE, n_pixels=10)
    windows = ap.utils.initialize.windows_from_segmentation_map(segments)
    assert len(windows) == len(GALAXIES)
    windows = ap.utils.initialize.scale_windows(windows, image_shape=target.data.shape, expand_scale=2,
                                                expand_border=5)
    members = [ap.models.AutoPhot_Model(name="sky", model_type="flat sky model", target=target)]
    members += [ap.models.AutoPhot_Model(name=f"segment {k}", model_type="sersic galaxy model", target=target,
                                         window=window) for k, window in windows.items()]
    group = ap.models.AutoPhot_Model(name="field", model_type="group model", models=members, target=target)
    group.initialize()
    result = ap.fit.LM(group).fit()
    assert result.message.startswith("success")
    assert 0.95 < result.chi2_ndf < 1.05
    assert group["sky:F"].value == pytest.approx(SKY, abs=0.02)
    for truth in GALAXIES:
        found = [m for m in group.models.values() if m.name != "sky"
                 and np.hypot(*(np.asarray(m["center"].value) - truth["center"])) < SCALE]
        assert len(found) == 1, truth
        model = found[0]
        for name in ("q", "n", "Re", "Ie"):
            sigma = model[name].uncertainty
            assert abs(model[name].value - truth[name]) < 5 * sigma, (truth, name, model[name].value, sigma)
