"""The `polychrome` command's merge and status, and the survey configuration file."""

import json
import os

import numpy as np
import pytest

pytest.importorskip("pyarrow")
from survey_fakes import FakeFitter, Interrupted, fake_tasks  # noqa: E402

from polychrome.survey.cli import main  # noqa: E402
from polychrome.survey.pipeline import run_groups  # noqa: E402
from polychrome.survey.run_status import run_status  # noqa: E402
from polychrome.survey.survey_config import read_survey_config  # noqa: E402

CONFIG = {"catalog": "c", "images": [], "image_files": [], "model": {}}


def test_status_of_an_interrupted_then_finished_run(tmp_path, capsys):
    tasks = fake_tasks(20)
    with pytest.raises(Interrupted):
        run_groups(tasks, FakeFitter(raise_for={1}, interrupt_for={15}), tmp_path, CONFIG, serial=True,
                   progress=False, chunk_seconds=1e-9)
    status = run_status(tmp_path)
    assert not status["complete"] and status["n_sources"] == 40 and 0 < status["sources_done"] < 40
    assert status["flagged"]["EXCEPTION"] == 2 and status["failed"] == 2
    assert main(["status", str(tmp_path)]) == 3
    assert "incomplete" in capsys.readouterr().out
    run_groups(tasks, FakeFitter(raise_for={1}), tmp_path, CONFIG, serial=True, progress=False)
    assert main(["status", str(tmp_path), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["complete"] and printed["sources_done"] == 40 and printed["groups_done"] == 20


def test_merge_command_and_its_errors(tmp_path, capsys):
    from astropy.table import Table

    run_groups(fake_tasks(3), FakeFitter(), tmp_path / "out", CONFIG, serial=True, progress=False)
    assert main(["merge", str(tmp_path / "out"), str(tmp_path / "t.ecsv")]) == 0
    assert np.allclose(Table.read(tmp_path / "t.ecsv")["value"], np.sqrt([0, 1, 1000, 1001, 2000, 2001]))
    assert main(["merge", str(tmp_path / "out"), str(tmp_path / "t.ecsv")]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["status", str(tmp_path / "nothing")]) == 2
    assert "no polychrome run" in capsys.readouterr().err


def test_configuration_paths_are_taken_from_its_folder(tmp_path):
    (tmp_path / "survey.yaml").write_text(
        "catalog: cat.fits\n"
        "images:\n  - {data: g.fits, band: g, psf: /abs/psf.fits, zeropoint: 27}\n"
        "model: {candidates: [point model]}\nout: results\nrun: {n_workers: 2}\n")
    config = read_survey_config(tmp_path / "survey.yaml")
    assert config.catalog == str(tmp_path / "cat.fits") and config.out == str(tmp_path / "results")
    assert config.images[0]["data"] == str(tmp_path / "g.fits") and config.images[0]["psf"] == "/abs/psf.fits"
    assert config.model == {"candidates": ["point model"]} and config.run == {"n_workers": 2}


@pytest.mark.parametrize("text, message", [
    ("catalog: c.fits\nimages: []\nout: o\n", "non-empty list"),
    ("catalog: c.fits\nimages: [{data: g.fits}]\n", r"missing: \['out'\]"),
    ("catalog: c.fits\nimages: [{data: g.fits}]\nout: o\nextra: 1\n", r"unknown: \['extra'\]"),
    ("catalog: c.fits\nimages: [{data: g.fits}]\nout: o\nrun: {workers: 2}\n", "unknown run options"),
    ("- a list\n", "must be a mapping"),
])
def test_bad_configurations_say_what_is_wrong(tmp_path, text, message):
    (tmp_path / "s.yaml").write_text(text)
    with pytest.raises(ValueError, match=message):
        read_survey_config(tmp_path / "s.yaml")


class TimedFitter(FakeFitter):
    """Rows with the time columns: each group's 0.5 CPU-s shared by its sources."""

    def columns(self):
        return super().columns() + [("wall_time", "float64", "s", ""), ("cpu_time", "float64", "s", "")]

    def fit(self, task):
        return [{**row, "wall_time": 1.0 / len(task.sources), "cpu_time": 0.5 / len(task.sources)}
                for row in super().fit(task)]


def test_status_sums_the_shares_of_time(tmp_path, capsys):
    run_groups(fake_tasks(6, group_size=3), TimedFitter(), tmp_path, CONFIG, serial=True, progress=False)
    status = run_status(tmp_path)
    assert status["cpu_time_total"] == pytest.approx(3.0) and status["wall_time_total"] == pytest.approx(6.0)
    main(["status", str(tmp_path)])
    assert "3.0 CPU-s, 6.0 sources per CPU-second" in capsys.readouterr().out


def test_fit_catalog_command_on_a_simulated_field(tmp_path, capsys):
    import yaml
    from astropy.table import Table

    from polychrome.survey.sim_bands import Band
    from polychrome.survey.simulate import simulate_field

    bands = (Band("g", 0.2, 0.0, psf_fwhm=0.6, sky_mag=28.5), Band("i", 0.3, 25.0, psf_fwhm=0.9, sky_mag=28.0))
    field = simulate_field(tmp_path / "field", bands=bands, n_sources=6, field_size=16.0, seed=3, masks=False)
    images = [{key: (os.path.relpath(value, tmp_path) if key in ("data", "variance", "weight", "mask", "psf")
                     and value else value) for key, value in image.items()} for image in field["images"]]
    config = {"catalog": os.path.relpath(field["catalog"], tmp_path), "images": images,
              "model": {"candidates": ["sersic galaxy model", "point model"], "max_iterations": 30},
              "out": "results", "run": {"serial": True}}
    (tmp_path / "survey.yaml").write_text(yaml.safe_dump(config))
    assert main(["fit-catalog", str(tmp_path / "survey.yaml"), "--quiet", "--merge",
                 str(tmp_path / "table.fits")]) == 0
    assert "6 of 6 done (complete)" in capsys.readouterr().out
    table = Table.read(tmp_path / "table.fits")
    assert sorted(table["id"]) == sorted(Table.read(field["catalog"])["id"])
    assert {"flux_g", "mag_i_err", "Re", "model_type", "flags"} <= set(table.colnames)
    assert main(["status", str(tmp_path / "results")]) == 0


def test_string_ids_go_through_the_pipeline(tmp_path):
    from astropy.table import Table

    from polychrome.survey.pipeline import fit_catalog
    from polychrome.survey.sim_bands import Band
    from polychrome.survey.simulate import simulate_field

    field = simulate_field(tmp_path / "field", bands=(Band("g", 0.2, 0.0, psf_fwhm=0.6, sky_mag=28.5),),
                           n_sources=4, field_size=12.0, seed=2, masks=False)
    catalog = Table.read(field["catalog"])
    catalog["id"] = [f"SRC-{i:03d}" for i in catalog["id"]]
    table = fit_catalog(catalog, field["images"], {"max_iterations": 20}, tmp_path / "out", serial=True,
                        progress=False)
    assert sorted(table["id"]) == sorted(catalog["id"]) and table["id"].dtype.kind == "U"
