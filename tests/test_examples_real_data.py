"""examples/joint_models.py (the AutoProf joint-modelling tutorial on the COSMOS cutouts of
../shared/data) runs in its --quick form: both fits converge to a sensible solution, the saved
and reloaded model renders the same images, and the PNG, YAML and ECSV files are written.
Skipped when the shared data are absent."""

import math
import os

import pytest

from example_helpers import EXAMPLES, check_pngs, load_example, one_thread  # noqa: F401 (fixture)

pytest.importorskip("matplotlib")
DATA = os.path.normpath(os.path.join(EXAMPLES, "..", "..", "shared", "data"))
NEEDED = ("Cut_HSC.fits", "Cut_HST.fits", "PSF_HSC.fits", "PSF_HST.fits", "hsc_cosmos_35.npz")
pytestmark = [pytest.mark.skipif(not all(os.path.exists(os.path.join(DATA, f)) for f in NEEDED),
                                 reason="shared data absent"),
              pytest.mark.usefixtures("one_thread")]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("joint_models")
    os.environ["OMP_NUM_THREADS"] = "1"
    try:
        return load_example("joint_models").main(["--quick", "--data", DATA, "--out", str(out)]), out
    finally:
        del os.environ["OMP_NUM_THREADS"]


def test_hst_and_hsc_galaxy_fitted_jointly(quick_run):
    results, out = quick_run
    part = results["part1"]
    assert part["message"].startswith("success")
    assert part["images"] == ["HST", "r", "i"]
    assert 0.8 < part["chi2_ndf"] < 2.0  # a clumpy galaxy fitted by one Sersic
    shape = part["shape"]
    # the elongated galaxy: ~1.3 arcsec half-light radius, q ~ 0.35, major axis ~22 deg from +x
    assert 1.0 < shape["Re"][0] < 1.6 and 0.25 < shape["q"][0] < 0.45 and 0.2 < shape["PA"][0] < 0.6
    assert all(0 < unc < 0.05 for _, unc in shape.values())
    for band in ("r", "i"):
        magnitude, sigma = part["magnitudes"][band]
        assert 17.5 < magnitude < 20.5 and 0 < sigma < 0.1
    check_pngs([f for f in part["files"] if f.endswith(".png")], out)
    assert os.path.exists(os.path.join(out, "part1_summary.ecsv"))


def test_blend_of_seven_sources_saved_reloaded_and_replotted(quick_run):
    results, out = quick_run
    part = results["part2"]
    assert part["message"].startswith("success")
    assert part["bands"] == ["g", "r", "i"] and part["deep_band"] == "i"
    assert 0.8 < part["chi2_ndf"] < 1.5
    assert part["reload_difference"] == 0.0
    check_pngs([f for f in part["files"] if f.endswith(".png")], out)
    with open(part["yaml"]) as handle:
        text = handle.read()
    assert "spline galaxy model" in text and "point model" in text and "model 6" in text
    assert math.isfinite(part["seconds"])


def test_missing_data_folder_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="--data"):
        load_example("joint_models").main(["--data", str(tmp_path / "nowhere"), "--out", str(tmp_path)])
