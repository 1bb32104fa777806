"""GroupFitter on a simulated 2-band field (GalSim truth; 0.2" Moffat and 0.4" rotated Gaussian pixels):
parameters recovered within their uncertainties, one row per source, BIC choosing point vs Sersic,
bad data turned into flagged rows."""

import math
import pickle

import numpy as np
import pytest

from polychrome.survey.cutouts import group_cutouts
from polychrome.survey.flags import SourceFlag
from polychrome.survey.group_fit import GroupFitter
from polychrome.survey.group_plane import GroupPlane
from polychrome.survey.grouping import plan_groups
from polychrome.survey.model_spec import ModelSpec

pytest.importorskip("galsim")
from survey_field import FIELD_CENTRE, Band, Source, write_field  # noqa: E402

BANDS = [Band("g", 0.2, (200, 200), 0.0, "moffat", 0.8, 0.02, zeropoint=26.0, psf_upsample=2),
         Band("i", 0.4, (110, 110), 25.0, "gaussian", 1.2, 0.03, zeropoint=25.5, psf_upsample=3)]
GALAXIES = [  # (x, y) arcsec, g and i fluxes, n, Re, q, PA
    Source(-14.0, -13.0, {"g": 60, "i": 90}, n=1.5, Re=0.8, q=0.6, PA=0.5),
    Source(0.0, -14.0, {"g": 45, "i": 70}, n=1.0, Re=1.2, q=0.4, PA=1.2),
    Source(13.0, -12.5, {"g": 80, "i": 120}, n=3.0, Re=0.7, q=0.8, PA=2.0),
    Source(-13.5, 0.5, {"g": 50, "i": 60}, n=2.0, Re=1.0, q=0.5, PA=2.8),
    Source(12.0, 1.0, {"g": 70, "i": 100}, n=0.8, Re=1.5, q=0.7, PA=0.2),
    # two blended pairs
    Source(-1.2, 0.2, {"g": 60, "i": 80}, n=1.2, Re=0.9, q=0.55, PA=0.9),
    Source(1.4, 1.0, {"g": 40, "i": 70}, n=2.5, Re=0.6, q=0.75, PA=2.4),
    Source(-6.0, 12.0, {"g": 55, "i": 85}, n=1.0, Re=1.1, q=0.45, PA=1.6),
    Source(-3.3, 13.2, {"g": 35, "i": 45}, n=1.8, Re=0.7, q=0.65, PA=0.3),
]
STARS = [Source(8.0, 13.0, {"g": 40, "i": 40}, kind="star"), Source(15.0, 14.0, {"g": 25, "i": 35}, kind="star")]


@pytest.fixture(scope="module")
def field(tmp_path_factory):
    folder = tmp_path_factory.mktemp("survey_field")
    catalog, images, _ = write_field(folder, BANDS, GALAXIES + STARS, seed=3)
    return catalog, images


def _fit_all(catalog, images, spec):
    fitter = GroupFitter(images, spec)
    tasks = plan_groups(catalog, images, spec)
    rows = [row for task in tasks for row in fitter.fit(task)]
    return tasks, {row["id"]: row for row in rows}, fitter


def test_joint_fit_recovers_the_truth_within_the_uncertainties(field):
    catalog, images = field
    spec = ModelSpec(candidates=("point model", "sersic galaxy model"))
    tasks, rows, fitter = _fit_all(catalog, images, spec)
    assert sorted(rows) == list(catalog["id"])  # every source one row
    assert max(t.size for t in tasks) == 2  # the pairs are grouped
    assert all(set(row) == {c[0] for c in fitter.columns()} for row in rows.values())
    plane = GroupPlane(*FIELD_CENTRE)
    pulls = []
    for k, truth in enumerate(GALAXIES + STARS):
        row = rows[k + 1]
        assert row["flags"] == 0, row["message"]
        assert row["n_images"] == 2
        assert row["model_type"] == ("point model" if truth.kind == "star" else "sersic galaxy model")
        x, y = plane.to_plane(row["ra"], row["dec"])
        pulls += [(x - truth.x) / row["ra_err"], (y - truth.y) / row["dec_err"]]
        if truth.kind == "star":
            continue
        pa = (math.degrees(truth.PA) - 90.0) % 180.0
        pulls += [(row["q"] - truth.q) / row["q_err"], ((row["PA"] - pa + 90) % 180 - 90) / row["PA_err"],
                  (row["n"] - truth.n) / row["n_err"], (row["Re"] - truth.Re) / row["Re_err"]]
        for band in BANDS:
            pulls.append((row[f"flux_{band.name}"] - truth.flux[band.name]) / row[f"flux_{band.name}_err"])
            magnitude = band.zeropoint - 2.5 * math.log10(truth.flux[band.name])
            assert row[f"mag_{band.name}"] - magnitude == pytest.approx(
                -2.5 * math.log10(row[f"flux_{band.name}"] / truth.flux[band.name]), abs=1e-9)
    pulls = np.array(pulls)
    assert np.all(np.isfinite(pulls))
    assert np.max(np.abs(pulls)) < 4.0, pulls
    assert 0.6 < np.sqrt(np.mean(pulls ** 2)) < 1.5, np.sqrt(np.mean(pulls ** 2))


def test_bad_psf_and_nan_cutouts_give_flagged_rows(tmp_path):
    sources = [Source(-6.0, 0.0, {"g": 50, "i": 60}, n=1.0, Re=0.8, q=0.7, PA=0.4),
               Source(8.0, 0.0, {"g": 50, "i": 60}, n=1.0, Re=0.8, q=0.7, PA=0.4)]
    bands = [Band("g", 0.2, (120, 120), 0.0, "moffat", 0.8, 0.02),
             Band("i", 0.4, (60, 60), 25.0, "gaussian", 1.0, 0.03)]
    # i has a NaN PSF; g has NaN pixels over the second source
    catalog, images, _ = write_field(tmp_path, bands, sources, nan_psf=("i",), nan_box=("g", (70, 120, 30, 90)))
    spec = ModelSpec(min_pixels=30)
    tasks, rows, _ = _fit_all(catalog, images, spec)
    first, second = rows[1], rows[2]
    assert "psf" in first["message"] and "NaN" in first["message"]
    assert first["flags"] & SourceFlag.PARTIAL_COVERAGE and first["n_images"] == 1
    assert np.isfinite(first["flux_g"]) and np.isnan(first["flux_i"])
    assert second["flags"] & SourceFlag.TOO_FEW_PIXELS and np.isnan(second["ra"])
    # both images unusable: no data at all
    only_i = [image for image in images if image.band == "i"]
    _, rows, _ = _fit_all(catalog, only_i, spec)
    assert all(row["flags"] & SourceFlag.NO_DATA for row in rows.values())
    assert all("psf" in row["message"] for row in rows.values())


def test_time_budget_flags_timeout(field):
    catalog, images = field
    spec = ModelSpec(time_budget=1e-6)
    fitter = GroupFitter(images, spec)
    task = plan_groups(catalog, images, spec)[0]
    row = fitter.fit(task)[0]
    assert row["flags"] & SourceFlag.TIMEOUT and "time limit" in row["message"]
    assert row["iterations"] == 1


def test_failed_rows_columns_and_pickling(field):
    catalog, images = field
    spec = ModelSpec(shared=("center", "q", "PA", "n", "Re"))
    fitter = pickle.loads(pickle.dumps(GroupFitter(images, spec)))
    names = [c[0] for c in fitter.columns()]
    assert names[:8] == ["id", "group_id", "group_size", "ra", "dec", "ra_err", "dec_err", "model_type"]
    assert names[-8:] == ["chi2", "ndf", "iterations", "n_images", "wall_time", "cpu_time", "flags", "message"]
    assert {"flux_g", "mag_i_err", "Re_err", "PA"} <= set(names)
    task = plan_groups(catalog, images, spec)[0]
    rows = fitter.failed_rows(task, SourceFlag.EXCEPTION, "ValueError: boom")
    assert len(rows) == task.size and set(rows[0]) == set(names)
    assert rows[0]["flags"] == SourceFlag.EXCEPTION and np.isnan(rows[0]["flux_g"]) and rows[0]["ndf"] == -1


def test_analytic_flux_gradients_match_finite_differences(field):
    from polychrome.survey.fitted_values import _flux_and_gradient, _numerical_flux_gradient

    catalog, images = field
    spec = ModelSpec(candidates=("point model", "sersic galaxy model"))
    fitter = GroupFitter(images, spec)
    for task in plan_groups(catalog, images, spec)[:1]:
        cut = group_cutouts(task, images, spec)
        for candidate in spec.candidates:
            attempt = fitter._fit_once(cut, task, [candidate] * task.size, 60.0)
            for component in attempt.components.values():
                flux, analytic = _flux_and_gradient(component, attempt.free)
                numerical = np.zeros_like(analytic)
                _numerical_flux_gradient(component, attempt.free, numerical)
                assert flux == float(component.total_flux())  # the model's own numbers, to the last digit
                assert np.allclose(analytic, numerical, rtol=1e-6, atol=1e-9 * np.abs(analytic).max())


def test_flat_galaxy_on_oblong_pixels_is_fitted(tmp_path):
    # pixels 0.2" x 0.3": the axis-ratio limit is raised so that the renderer's smallest axis ratio
    # on that grid is never crossed, however flat the galaxy looks
    band = Band("r", 0.2, (80, 60), 20.0, "gaussian", 1.0, 0.02, stretch=1.5)
    catalog, images, _ = write_field(tmp_path, [band], [Source(0.0, 0.0, {"r": 80}, n=1.0, Re=1.5, q=0.03, PA=0.3)])
    spec = ModelSpec()
    fitter = GroupFitter(images, spec)
    row = fitter.fit(plan_groups(catalog, images, spec)[0])[0]
    assert row["q"] >= 0.03 * 1.5 and not row["flags"] & ~(SourceFlag.AT_LIMIT | SourceFlag.NOT_CONVERGED)


def test_catalogue_kind_narrows_the_candidates(field, monkeypatch):
    from polychrome.survey.model_choice import allowed_candidates

    both = ("point model", "sersic galaxy model")
    assert allowed_candidates(both, "star") == ("point model",)
    assert allowed_candidates(both, "galaxy") == ("sersic galaxy model",)
    assert allowed_candidates(("sersic galaxy model",), "star") == ("sersic galaxy model",)
    assert allowed_candidates(both, "") == both
    catalog, images = field
    catalog = catalog.copy()
    catalog["kind"] = ["galaxy"] * len(GALAXIES) + ["star"] * len(STARS)
    spec = ModelSpec(candidates=both)
    fitter = GroupFitter(images, spec)
    fits = []
    original = fitter._fit_once
    monkeypatch.setattr(fitter, "_fit_once", lambda *args, **kw: fits.append(args[2]) or original(*args, **kw))
    for task in plan_groups(catalog, images, spec):
        fits.clear()
        rows = fitter.fit(task)
        assert len(fits) == 1  # the hint leaves one candidate per source: one fit per group
        for source, row in zip(task.sources, rows):
            assert row["model_type"] == ("point model" if source["kind"] == "star" else "sersic galaxy model")


def test_split_group_parts_model_each_other_when_asked(tmp_path):
    # a chain of four overlapping galaxies split into pairs: masking the other pair's footprints
    # leaves its light in the wings; modelling it (neighbours="fit") recovers every source
    band = Band("r", 0.2, (100, 100), 0.0, "moffat", 0.8, 0.02, psf_upsample=2)
    sources = [Source(-2.2, 0.0, {"r": 60}, n=1.0, Re=0.7, q=0.7, PA=0.3),
               Source(0.0, 0.6, {"r": 50}, n=1.5, Re=0.6, q=0.6, PA=1.3),
               Source(2.2, -0.3, {"r": 40}, n=1.0, Re=0.5, q=0.8, PA=2.3),
               Source(4.2, 0.5, {"r": 45}, n=2.0, Re=0.6, q=0.5, PA=0.8)]
    catalog, images, _ = write_field(tmp_path, [band], sources)
    catalog["size"] = 0.6
    worst = {}
    for mode in ("mask", "fit"):
        spec = ModelSpec(max_group_size=2, neighbours=mode)
        fitter = GroupFitter(images, spec)
        tasks = plan_groups(catalog, images, spec)
        assert [t.size for t in tasks] == [2, 2] and all(t.neighbours for t in tasks)
        pulls = []
        for task in tasks:
            for row, source in zip(fitter.fit(task), task.sources):
                truth = sources[source["id"] - 1]
                assert row["flags"] == SourceFlag.GROUP_SPLIT, row["message"]
                pulls += [(row["flux_r"] - truth.flux["r"]) / row["flux_r_err"], (row["Re"] - truth.Re) / row["Re_err"]]
        worst[mode] = np.max(np.abs(pulls))
    assert worst["fit"] < 3.0 < worst["mask"]


def test_catalogue_guesses_choose_what_starts_the_fit(field):
    from polychrome.survey.group_fit import _start_values

    source = {"size": 0.9, "q": 0.5, "pa": 30.0}
    every = _start_values(source, (1.0, 2.0), "sersic galaxy model", {})
    assert every["center"] == [1.0, 2.0] and every["Re"] == 0.9 and every["q"] == 0.5
    assert every["PA"] == pytest.approx(math.radians(120.0))  # 30 deg east of north, from the plane's +x (West)
    assert _start_values(source, (1.0, 2.0), "sersic galaxy model", {}, ("center",)) == {"center": [1.0, 2.0]}
    catalog, images = field
    catalog = catalog.copy()
    catalog["size"] = [2.0 if k == 4 else 0.5 for k in range(len(catalog))]  # galaxy 5 has Re = 1.5
    spec = ModelSpec(catalogue_guesses=("center",))
    fitter = GroupFitter(images, spec)
    task = next(t for t in plan_groups(catalog, images, spec) if t.sources[0]["id"] == 5)
    row = fitter.fit(task)[0]
    assert task.size == 1 and row["flags"] == 0 and abs(row["Re"] - GALAXIES[4].Re) < 4 * row["Re_err"]


def test_render_accuracy_reaches_every_component(field):
    """ModelSpec.render_accuracy sets each component's absolute render tolerance to that fraction of
    its cutout's noise; None leaves the core's default."""
    catalog, images = field
    task = plan_groups(catalog, images, ModelSpec())[0]
    for accuracy in (2e-3, None):
        attempt = GroupFitter(images, ModelSpec(render_accuracy=accuracy, max_iterations=1))._fit_once(
            group_cutouts(task, images, ModelSpec()), task, ["sersic galaxy model"] * task.size, 60.0)
        for (k, c), component in attempt.components.items():
            assert component._noise_fraction == accuracy


def test_log_parameters_switch_reaches_the_fit_and_keeps_the_result(field, monkeypatch):
    """ModelSpec.log_parameters steps n and Re in ln (default); () fits linearly: the same fit within
    a small fraction of the uncertainties, the same uncertainties to first order."""
    from polychrome.survey import group_fit

    catalog, images = field
    seen = []
    original = group_fit.LM

    def recording(model, **options):
        seen.append(tuple(options.get("log_parameters", ())))
        return original(model, **options)

    monkeypatch.setattr(group_fit, "LM", recording)
    task = next(t for t in plan_groups(catalog, images, ModelSpec()) if t.sources[0]["id"] == 1)
    rows = {}
    for logs in (ModelSpec().log_parameters, ()):
        rows[logs] = GroupFitter(images, ModelSpec(log_parameters=logs)).fit(task)[0]
    assert seen == [("n", "Re"), ()]  # only the names the Sersic model has free
    logged, linear = rows[ModelSpec().log_parameters], rows[()]
    assert logged["flags"] == linear["flags"] == 0
    for key in ("n", "Re", "q", "flux_g", "flux_i"):
        assert abs(logged[key] - linear[key]) < 0.1 * linear[key + "_err"], key
        assert logged[key + "_err"] == pytest.approx(linear[key + "_err"], rel=0.02), key


def test_empty_rows_start_blank_and_apart():
    """empty_row: NaN floats, "" strings, -1 integers, the identity columns; rows never share state
    (each is a copy of the column list's blank row)."""
    from polychrome.survey.rows import MISSING_INT, columns, empty_row
    from polychrome.survey.tasks import GroupTask

    column_list = columns(["g", "i"], ("center", "q", "n"))
    task = GroupTask(group_id=7, sources=[{"id": 3}, {"id": 4}])
    a, b = empty_row(column_list, task.sources[0], task), empty_row(column_list, task.sources[1], task, 2, "x")
    assert list(a) == [name for name, *_ in column_list]
    for name, dtype, _, _ in column_list:
        if name in ("id", "group_id", "group_size", "n_images", "flags", "message"):
            continue
        value = a[name]
        assert (np.isnan(value) if dtype.startswith("float") else value == ("" if dtype == "str" else MISSING_INT))
    assert (a["id"], a["group_id"], a["group_size"], a["n_images"], a["flags"], a["message"]) == (3, 7, 2, 0, 0, "")
    assert (b["id"], b["flags"], b["message"]) == (4, 2, "x")
    a["q"] = 0.5
    assert np.isnan(b["q"]) and np.isnan(empty_row(column_list, task.sources[0], task)["q"])


def _without_timings(rows):
    return [{key: value for key, value in row.items() if key not in ("wall_time", "cpu_time")} for row in rows]


def test_a_group_fitted_after_groups_of_other_structures_gives_its_rows_as_fitted_alone(field):
    """Whatever a fitter (or the process) keeps between groups -- the group's components walked
    once, PSF grids, blank rows, the renderers' and fits' set-up -- a group's rows do not depend on
    which groups, of which structure (a pair; a single source, each fitted as a point and as a
    Sersic), were fitted before it: the same values, bit for bit, flags and messages."""
    catalog, images = field
    spec = ModelSpec(candidates=("point model", "sersic galaxy model"), max_iterations=8)
    tasks = plan_groups(catalog, images, spec)
    singles = [task for task in tasks if task.size == 1]
    pairs = [task for task in tasks if task.size == 2]
    assert len(singles) > 1 and pairs
    alone = _without_timings(GroupFitter(images, spec).fit(singles[0]))
    fitter = GroupFitter(images, spec)
    for task in (pairs[0], singles[-1], pairs[-1]):
        fitter.fit(task)
    after = _without_timings(fitter.fit(singles[0]))
    assert repr(after) == repr(alone)  # (repr: NaN equal to NaN, floats to the last digit)
