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

    result = run_demo(tmp_path / "demo", n_sources=10, n_workers=1, serial=True, field_size=40.0, seed=3,
                      progress=False)
    table = Table.read(result["table"])
    truth = Table.read(result["truth"], mask_invalid=False)
    truth.convert_bytestring_to_unicode()
    assert sorted(table["id"]) == sorted(truth["id"])           # one row per source
    with open(result["mosaic"], "rb") as handle:
        assert handle.read(4) == b"\x89PNG"
    printed = capsys.readouterr().out
    assert "sources" in printed and "flagged" in printed
    summary = result["summary"]
    assert summary["n_sources"] == 10 and summary["missing"] == 0
    assert summary["flagged_fraction"] < 0.5
    # the galaxies come out close to the truth
    from polychrome.survey.truth_match import accuracy_by_magnitude

    everything = accuracy_by_magnitude(table, truth, "vis", edges=(0.0, 30.0))[0]
    assert everything["count"] >= 3 and abs(everything["mag_bias"]) < 0.1, everything


def _fitted_and_truth():
    truth = Table({"id": [1, 2, 3, 4], "kind": ["galaxy", "galaxy", "galaxy", "star"],
                   "mag_vis": [20.0, 21.0, 22.0, 20.5], "Re": [1.0, 0.5, 0.4, 0.0]})
    table = Table({"id": [4, 3, 2, 1], "model_type": ["point model"] + ["sersic galaxy model"] * 3,
                   "mag_vis": [20.5, 22.02, 21.0, 19.99], "mag_vis_err": [0.01, 0.01, 0.01, 0.01],
                   "Re": [np.nan, 0.44, 0.5, 1.0], "Re_err": [np.nan, 0.02, 0.02, 0.02], "flags": [0, 0, 8, 0]})
    return table, truth


def test_truth_match_pairs_rows_by_id_and_bins_by_true_magnitude():
    from polychrome.survey.truth_match import accuracy_by_magnitude, summary

    table, truth = _fitted_and_truth()
    bins = accuracy_by_magnitude(table, truth, "vis", edges=(19, 21, 23))
    assert [b["count"] for b in bins] == [1, 1]          # id 2 is flagged, id 4 a star
    assert bins[0]["mag_bias"] == pytest.approx(-0.01) and bins[1]["mag_bias"] == pytest.approx(0.02)
    assert bins[1]["Re_bias"] == pytest.approx(0.1)
    result = summary(table, truth, "vis", bright=23.0)
    assert result["n_sources"] == 4 and result["missing"] == 0 and result["n_flagged"] == 1
    assert result["kind_agreement"] == 1.0 and result["n_bright"] == 2
    assert result["mag_bias"] == pytest.approx(0.005)


def test_width68_is_sigma_for_a_gaussian():
    from polychrome.survey.truth_match import width68

    assert width68(np.random.default_rng(1).normal(0.0, 2.0, 200000)) == pytest.approx(2.0, rel=0.01)
    assert np.isnan(width68([1.0, np.nan]))
