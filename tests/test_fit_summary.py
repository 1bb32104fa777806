"""The fit summary table: parameters, uncertainties, total flux and magnitude."""

import numpy as np
import pytest
from astropy.table import Table

import polychrome as pc
from test_fit_models import TRUTH, _perturbed_model, _simulated_target
from reference_integrals import Profile


def test_summary_after_a_fit_round_trips_through_ecsv(tmp_path):
    target = _simulated_target(0)
    target.zeropoint = 25.0
    model = _perturbed_model(target)
    result = pc.fit.LM(model).fit()
    table = pc.io.fit_summary(model, result)
    rows = {row["parameter"]: row for row in table}
    assert list(table["parameter"][:7]) == ["center[0]", "center[1]", "q", "PA", "n", "Re", "Ie"]
    assert rows["Re"]["uncertainty"] == pytest.approx(model["Re"].uncertainty)
    truth_flux = Profile("sersic", dict(n=TRUTH["n"], Re=TRUTH["Re"], Ie=TRUTH["Ie"])).total_flux(TRUTH["q"])
    flux, flux_unc = rows["total_flux"]["value"], rows["total_flux"]["uncertainty"]
    assert 0 < flux_unc < 0.2 * flux
    assert abs(flux - truth_flux) < 4 * flux_unc
    assert rows["magnitude"]["value"] == pytest.approx(25.0 - 2.5 * np.log10(flux))
    assert rows["magnitude"]["uncertainty"] == pytest.approx(2.5 / np.log(10) * flux_unc / flux)
    pc.io.write_fit_summary(tmp_path / "fit.ecsv", model, result)
    back = Table.read(tmp_path / "fit.ecsv")
    assert list(back["parameter"]) == list(table["parameter"])
    assert np.allclose(back["value"], table["value"])


def test_summary_without_a_fit_has_no_uncertainties():
    model = _perturbed_model(_simulated_target(0))
    table = pc.io.fit_summary(model)
    assert np.all(np.isnan(table["uncertainty"]))
    assert "magnitude" not in list(table["parameter"])  # no zeropoint
