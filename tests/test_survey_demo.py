"""The demo (simulate, fit the catalogue, table and picture) and its data / model / residual mosaic."""

import importlib.util

import numpy as np
import pytest
from astropy.table import Table

from polychrome.survey.field_mosaic import field_mosaic, model_images
from polychrome.survey.simulate import simulate_field


@pytest.fixture(scope="module")
def galaxies(tmp_path_factory):
    """A noiseless field of galaxies whose PSF files are sampled 3x finer (the pipeline's model is then
    within ~1e-3 of the peak of the images, 5e-3 for a cuspy core under 3 pixels)."""
    return simulate_field(tmp_path_factory.mktemp("galaxies"), n_sources=12, field_size=30.0, seed=4,
                          star_fraction=0.0, noise=False, psf_upsample=3)


def test_model_from_the_truth_table_is_the_image(galaxies):
    """Drawn from the truth table (ra, dec, PA east of north, Re, n, q, flux per band), each band's
    model, on that image's own tangent plane, reproduces the noiseless image (a centre 20 mas
    off already leaves 2e-2 of the peak)."""
    truth = Table.read(galaxies["truth"])
    panels = model_images(truth, galaxies["images"])
    assert [p[0] for p in panels] == galaxies["bands"]
    for label, data, model, sigma, mask in panels:
        assert data.shape == model.shape == sigma.shape == mask.shape
        assert mask.any() and np.all(sigma[~mask] > 0)
        good = ~mask
        assert np.max(np.abs(data - model)[good]) < 1e-2 * data[good].max(), label


def test_a_wrong_position_angle_shows_in_the_residual(galaxies):
    truth = Table.read(galaxies["truth"])
    truth["PA"] = (truth["PA"] + 40.0) % 180.0
    label, data, model, sigma, mask = model_images(truth, galaxies["images"])[0]
    assert np.max(np.abs(data - model)[~mask]) > 5e-2 * data[~mask].max()


def test_mosaic_is_written(galaxies, tmp_path):
    truth = Table.read(galaxies["truth"])
    path = field_mosaic(truth, galaxies["images"], tmp_path / "mosaic.png", dpi=40)
    with open(path, "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"


def test_mosaic_skips_rows_that_were_not_fitted(galaxies):
    truth = Table.read(galaxies["truth"], mask_invalid=False)
    truth["Re"][0] = np.nan
    truth["flux_vis"][1] = np.nan
    panels = model_images(truth, galaxies["images"][:1])
    assert np.all(np.isfinite(panels[0][2]))


def test_bad_table_argument(galaxies):
    with pytest.raises(TypeError, match="table"):
        model_images(42, galaxies["images"])


pipeline_ready = importlib.util.find_spec("polychrome.survey.group_fit") is not None


@pytest.mark.skipif(not pipeline_ready, reason="needs the survey pipeline's GroupFitter (group_fit.py), not merged yet")
def test_demo_runs_end_to_end(tmp_path, capsys):
    from polychrome.survey.demo import run_demo

    result = run_demo(tmp_path / "demo", n_sources=24, n_workers=1, serial=True, field_size=24.0, progress=False)
    table = Table.read(result["table"])
    truth = Table.read(result["truth"])
    assert sorted(table["id"]) == sorted(truth["id"])           # one row per source
    with open(result["mosaic"], "rb") as handle:
        assert handle.read(4) == b"\x89PNG"
    printed = capsys.readouterr().out
    assert "sources" in printed and "flagged" in printed
    summary = result["summary"]
    assert summary["n_sources"] == 24
    assert summary["flagged_fraction"] < 0.5
    # bright galaxies come out close to the truth
    assert abs(summary["mag_bias"]) < 0.1
