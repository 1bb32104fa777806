"""The simulated-data examples (examples/time_series.py, examples/dithered.py) run in
their --quick form, recover their inputs within the sigma they state, and write their PNGs."""

import os

import numpy as np
import pytest

from example_helpers import check_pngs, load_example, one_thread  # noqa: F401 (fixture)

pytest.importorskip("matplotlib")
pytestmark = pytest.mark.usefixtures("one_thread")


def test_time_series_light_curve(tmp_path, capsys):
    result = load_example("time_series").main(["--quick", "--out", str(tmp_path)])
    assert result["message"] == "success"
    assert 0.8 < result["chi2_ndf"] < 1.2
    flux, sigma, truth = result["flux"], result["sigma"], result["true_flux"]
    assert flux.shape == truth.shape == (3,)
    assert np.all(sigma > 0) and np.all(sigma < 0.1 * truth)  # a measured light curve, not a bound
    np.testing.assert_allclose(result["pull"], (flux - truth) / sigma)
    assert result["max_abs_pull"] <= result["tolerance_sigma"] == 5.0
    check_pngs(result["files"], tmp_path)
    assert {os.path.basename(p) for p in result["files"]} == {"epochs.png", "light_curve.png"}
    assert "pull" in capsys.readouterr().out


def test_dithered_size_below_a_pixel(tmp_path):
    result = load_example("dithered").main(["--quick", "--out", str(tmp_path)])
    assert result["message"] == "success"
    assert abs(result["re"] - result["re_true"]) <= result["tolerance_sigma"] * result["re_sigma"]
    assert result["re_pixels"] + 3 * result["re_sigma_pixels"] < 1.0
    # each exposure alone is less precise than both together
    assert len(result["alone"]) == 2 and all(t > 1.0 for t in result["tightening"])
    # the PSF on a finer grid models the undersampled sky better than at the pixel scale
    errors = result["rendering_errors"]
    assert errors[8][1] < errors[1][1]
    check_pngs(result["files"], tmp_path)


def test_examples_raise_when_the_truth_is_missed(tmp_path, monkeypatch):
    """The check the examples end with catches a wrong answer (here: wrong input fluxes)."""
    module = load_example("time_series")
    wrong = [epoch[:6] + (epoch[6] * 1.5,) for epoch in module.QUICK_EPOCHS]
    true_simulate = module.simulate

    def simulate_then_forget(epochs, size, rng):
        targets, truth = true_simulate(epochs, size, rng)
        truth["sn_fluxes"] = np.array([e[6] for e in wrong])
        return targets, truth

    monkeypatch.setattr(module, "simulate", simulate_then_forget)
    with pytest.raises(RuntimeError, match="sigma from its input"):
        module.main(["--quick", "--out", str(tmp_path)])
