"""fit_catalog end to end on a simulated two-band field with injected faults: a NaN cutout, an image
with a NaN PSF, sources on an image edge and outside every image, a group that raises and one that
kills its worker process. The run finishes, each fault is a flagged row, every other row is the same
as in a clean run; an interrupted run resumes to the same table. On a real 2-worker LocalCluster and
serially."""

import os
import shutil

import numpy as np
import pytest

pytest.importorskip("pyarrow")
pytest.importorskip("scipy")
from astropy.io import fits  # noqa: E402
from astropy.nddata import Cutout2D  # noqa: E402
from astropy.table import Table, vstack  # noqa: E402
from astropy.wcs import WCS  # noqa: E402
from survey_fakes import FaultyFitter, Interrupted  # noqa: E402

from polychrome.survey.flags import SourceFlag  # noqa: E402
from polychrome.survey.group_fit import GroupFitter  # noqa: E402
from polychrome.survey.image_spec import ImageSpec  # noqa: E402
from polychrome.survey.model_spec import ModelSpec  # noqa: E402
from polychrome.survey.pipeline import fit_catalog  # noqa: E402
from polychrome.survey.sim_bands import Band  # noqa: E402
from polychrome.survey.simulate import simulate_field  # noqa: E402

BANDS = (Band("g", 0.2, 0.0, psf_fwhm=0.6, zeropoint=30.0, sky_mag=28.5),
         Band("i", 0.3, 25.0, psf_fwhm=0.9, zeropoint=30.0, sky_mag=28.0))
MODEL = {"candidates": ["sersic galaxy model"], "max_iterations": 60, "footprint_scale": 2.0}
# values that must agree with the clean run (times do not)
COMPARED = ("ra", "dec", "q", "n", "Re", "flux_g", "flux_i", "mag_g", "mag_i", "chi2", "iterations", "flags")


def _isolated(truth, count, margin=3.0):
    """ids of ``count`` sources with no other source within ``margin`` arcsec, well inside both images."""
    x, y = np.asarray(truth["x"]), np.asarray(truth["y"])
    distance = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :]) + np.eye(len(x)) * 1e9
    inside = np.all([np.asarray(truth[f"in_{band.name}"]) for band in BANDS], axis=0)
    centre_x, centre_y = np.median(x), np.median(y)
    central = np.hypot(x - centre_x, y - centre_y) < 11.0
    chosen = np.flatnonzero((distance.min(axis=1) > margin) & inside & central & (truth["kind"] == "galaxy"))
    assert len(chosen) >= count, "the simulated field has too few isolated galaxies for the test"
    return [int(i) for i in np.asarray(truth["id"])[chosen[:count]]]


@pytest.fixture(scope="module")
def fields(tmp_path_factory):
    """The clean field, and the faulty copy: NaN pixels over source A in both bands, a third image
    (a cut of the g image around source B) whose PSF is NaN, catalogue rows on the g image's corner
    and outside every image."""
    root = tmp_path_factory.mktemp("faults")
    clean = simulate_field(root / "clean", bands=BANDS, n_sources=16, field_size=30.0, seed=4, masks=False,
                           star_fraction=0.0, blend_fraction=0.25)
    truth = Table.read(clean["truth"])
    a, b, c, d = _isolated(truth, 4)
    faulty_folder = root / "faulty"
    shutil.copytree(root / "clean", faulty_folder)
    images = [dict(image) for image in clean["images"]]
    for image in images:
        for key in ("data", "variance", "weight", "mask", "psf"):
            if image.get(key):
                image[key] = str(faulty_folder / os.path.basename(image[key]))
    row_a = truth[truth["id"] == a][0]
    for image, band in zip(images, BANDS):     # 2.5" around A
        with fits.open(image["data"], mode="update") as hdus:
            x, y = WCS(hdus[0].header).world_to_pixel_values(row_a["ra"], row_a["dec"])
            half = int(np.ceil(2.5 / band.pixel_scale))
            hdus[0].data[int(y) - half:int(y) + half + 1, int(x) - half:int(x) + half + 1] = np.nan
    row_b = truth[truth["id"] == b][0]
    with fits.open(images[0]["data"]) as hdus:
        wcs = WCS(hdus[0].header)
        cut = Cutout2D(hdus[0].data, wcs.world_to_pixel_values(row_b["ra"], row_b["dec"]), (30, 30), wcs=wcs)
    fits.PrimaryHDU(cut.data, header=cut.wcs.to_header()).writeto(faulty_folder / "g2.fits")
    psf = fits.getdata(images[0]["psf"]).copy()
    psf[0, 0] = np.nan
    fits.PrimaryHDU(psf).writeto(faulty_folder / "g2.psf.fits")
    noise = {key: images[0][key] for key in ("variance", "weight") if images[0].get(key)}
    if noise:   # the same noise level: the full image's map, cut likewise
        key, path = next(iter(noise.items()))
        fits.PrimaryHDU(Cutout2D(fits.getdata(path), cut.input_position_original, (30, 30)).data).writeto(
            faulty_folder / f"g2.{key}.fits")
        noise = {key: str(faulty_folder / f"g2.{key}.fits")}
    images.append({"data": str(faulty_folder / "g2.fits"), "band": "g2", "psf": str(faulty_folder / "g2.psf.fits"),
                   "zeropoint": images[0].get("zeropoint"), **noise})
    catalog = Table.read(clean["catalog"])
    with fits.open(images[0]["data"]) as hdus:
        ny, nx = hdus[0].data.shape
        corner_ra, corner_dec = WCS(hdus[0].header).pixel_to_world_values(nx - 1.0, ny - 1.0)
    extra = catalog[:2].copy()
    extra["id"] = [9001, 9002]
    extra["ra"], extra["dec"] = [float(corner_ra), float(row_a["ra"]) + 1.0], [float(corner_dec), float(row_a["dec"])]
    vstack([catalog, extra]).write(faulty_folder / "catalog_faulty.fits")
    return {"clean": clean, "catalog": str(faulty_folder / "catalog_faulty.fits"), "images": images,
            "nan_cutout": a, "nan_psf": b, "raises": c, "crashes": d, "corner": 9001, "outside": 9002}


@pytest.fixture(scope="module")
def clean_table(fields, tmp_path_factory):
    clean = fields["clean"]
    return fit_catalog(clean["catalog"], clean["images"], MODEL, tmp_path_factory.mktemp("clean_run"),
                       serial=True, progress=False)


def _faulty_fitter(fields):
    images = [ImageSpec.from_dict(image) for image in fields["images"]]
    return FaultyFitter(GroupFitter(images, ModelSpec.from_dict(MODEL)), raise_ids={fields["raises"]},
                        crash_ids={fields["crashes"]})


def _near(row, others, radius=7.0):
    """True when catalogue row ``row`` lies within ``radius`` arcsec of one of the rows ``others``."""
    for other in others:
        dx = (row["ra"] - other["ra"]) * np.cos(np.radians(other["dec"])) * 3600.0
        if np.hypot(dx, (row["dec"] - other["dec"]) * 3600.0) < radius:
            return True
    return False


def _check_faults(table, clean_table, fields, crashed):
    rows = {int(row["id"]): row for row in table}
    assert sorted(rows) == sorted([int(i) for i in clean_table["id"]] + [9001, 9002])   # one row each
    flags = {key: int(rows[fields[key]]["flags"]) for key in
             ("nan_cutout", "nan_psf", "raises", "crashes", "corner", "outside")}
    assert flags["nan_cutout"] & (SourceFlag.TOO_FEW_PIXELS | SourceFlag.NO_DATA), rows[fields["nan_cutout"]]
    assert flags["nan_psf"] & SourceFlag.PARTIAL_COVERAGE and "psf" in rows[fields["nan_psf"]]["message"].lower()
    assert flags["raises"] == SourceFlag.EXCEPTION and "injected failure" in rows[fields["raises"]]["message"]
    assert flags["corner"] & (SourceFlag.PARTIAL_COVERAGE | SourceFlag.TOO_FEW_PIXELS | SourceFlag.NO_DATA)
    assert flags["outside"] & SourceFlag.NO_DATA
    if crashed:
        assert flags["crashes"] == SourceFlag.WORKER_CRASH and "died" in rows[fields["crashes"]]["message"]
    faulted = {fields[key] for key in ("nan_cutout", "raises", "crashes")}
    clean = {int(row["id"]): row for row in clean_table}
    catalog = {int(row["id"]): row for row in Table.read(fields["catalog"])}
    changed = [catalog[fields[key]] for key in ("nan_cutout", "corner")]
    # groups with a source whose cutouts may reach the NaN pixels or the new corner row: their data differ
    changed_groups = {int(rows[source]["group_id"]) for source in clean if _near(catalog[source], changed)}
    compared = 0
    for source, expected in clean.items():
        if source in faulted or int(rows[source]["group_id"]) in changed_groups:
            continue
        compared += 1
        for name in COMPARED:
            got, want = rows[source][name], expected[name]
            if name == "flags" and source == fields["nan_psf"]:
                got, want = got & ~SourceFlag.PARTIAL_COVERAGE, want & ~SourceFlag.PARTIAL_COVERAGE
            assert got == pytest.approx(want, rel=1e-6, abs=1e-9, nan_ok=True), (source, name)
    assert compared >= 8


@pytest.fixture(scope="module")
def two_workers():
    pytest.importorskip("distributed")
    import cloudpickle
    import survey_fakes

    from polychrome.survey.dask_engine import local_client

    cloudpickle.register_pickle_by_value(survey_fakes)
    with local_client(2) as client:
        yield client
    cloudpickle.unregister_pickle_by_value(survey_fakes)


def test_faults_on_a_two_worker_local_cluster(fields, clean_table, two_workers, tmp_path):
    table = fit_catalog(fields["catalog"], fields["images"], MODEL, tmp_path, client=two_workers, progress=False,
                        fitter=_faulty_fitter(fields), chunk_seconds=0.5)
    _check_faults(table, clean_table, fields, crashed=True)


def test_faults_serially_and_an_interrupted_run_resumes(fields, clean_table, tmp_path):
    fitter = _faulty_fitter(fields)
    fitter.crash_ids = set()
    interrupting = _faulty_fitter(fields)
    interrupting.crash_ids = set()
    interrupting.interrupt_ids = {fields["crashes"]}
    with pytest.raises(Interrupted):
        fit_catalog(fields["catalog"], fields["images"], MODEL, tmp_path, serial=True, progress=False,
                    fitter=interrupting, chunk_seconds=1e-9)
    assert os.listdir(tmp_path)
    table = fit_catalog(fields["catalog"], fields["images"], MODEL, tmp_path, serial=True, progress=False,
                        fitter=fitter)
    _check_faults(table, clean_table, fields, crashed=False)
    assert len(set(table["id"])) == len(table)


def test_local_workers_keep_glibc_adaptive_malloc_thresholds(monkeypatch):
    """local_client's nannies do not set MALLOC_TRIM_THRESHOLD_ (Dask's default, 65536, fixes glibc's
    thresholds: every array over 128 kB mapped anew, ~5% of a fit's CPU)."""
    pytest.importorskip("distributed")
    from polychrome.survey.dask_engine import local_client

    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    with local_client(1) as client:
        client.wait_for_workers(1, timeout=60)
        seen = client.run(lambda: __import__("os").environ.get("MALLOC_TRIM_THRESHOLD_", "unset"))
    assert list(seen.values()) == ["unset"]


def test_local_workers_run_without_dask_profiler_and_with_slow_ticks():
    """local_client's workers have no statistical profiler (it walks the fit's stack every 10 ms in
    the worker's event loop: ~5% of a survey worker's CPU) and check their event loop once a second."""
    pytest.importorskip("distributed")
    from polychrome.survey.dask_engine import local_client

    def worker_settings(dask_worker):
        return ("profile" in dask_worker.periodic_callbacks,
                dask_worker.periodic_callbacks["tick"].callback_time if "tick" in dask_worker.periodic_callbacks
                else None)

    with local_client(1) as client:
        client.wait_for_workers(1, timeout=60)
        seen = client.run(worker_settings)
    assert list(seen.values()) == [(False, 1000.0)]
