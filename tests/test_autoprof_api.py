"""AutoProf's API on polychrome's models (issue 13): bookkeeping, names, windows, sky, files, config."""

import logging

import numpy as np
import pytest

import polychrome as ap
from model_helpers import make_target


def two_galaxies():
    target = make_target(shape=(40, 40), pixelscale=0.5)
    a = ap.models.AutoProf_Model(name="a", model_type="sersic galaxy model", target=target,
                                 parameters={"center": [5, 5], "q": 0.6, "PA": 0.5, "n": 2, "Re": 2, "Ie": 0})
    b = ap.models.AutoProf_Model(name="b", model_type="exponential galaxy model", target=target,
                                 parameters={"center": [12, 12], "q": 0.8, "PA": 1.0, "Re": 1.5, "Ie": 0.2})
    b.add_equality_constraint(a, "PA")
    group = ap.models.Group_Model(name="g", models=[a, [b]], target=target)  # nested lists are opened
    return group, a, b


def test_parameter_bookkeeping_of_models_and_groups():
    group, a, b = two_galaxies()
    assert a.parameter_order == ("center", "q", "PA", "n", "Re", "Ie")
    assert group.parameter_order[:2] == ("a:center", "a:q") and "b:Ie" in group.parameter_order
    assert group["a:PA"] is a["PA"] and group["b:PA"].is_linked_to(a["PA"])
    assert group["b"] is b
    with pytest.raises(KeyError, match="named 'model:parameter'"):
        group["c:q"]
    assert list(group.models.keys()) == ["a", "b"]
    assert list(group.models.values()) == [a, b] and dict(group.models.items())["b"] is b
    assert a.equality_constraints == ["PA"] and b.equality_constraints == ["PA"]
    # group.parameters: every parameter by qualified name; the vector counts linked ones once
    assert group.parameters["b:Re"] is b["Re"]
    vector = group.parameters.get_vector()
    assert vector.size == 2 + 5 + 2 + 3  # a: center(2) q PA n Re Ie; b: center(2) q Re Ie
    group.parameters.set_values(vector + 0.01)
    assert abs(b["PA"].value - 0.51) < 1e-12 and abs(a["PA"].value - 0.51) < 1e-12
    # .item() on scalar values (numpy float64), and model() samples
    assert a["q"].value.item() == pytest.approx(0.61)
    np.testing.assert_array_equal(group().data, group.sample().data)
    with pytest.raises(TypeError, match="takes no arguments"):
        a(5)


def test_printed_tables_show_values_uncertainties_units_limits_locks_and_links():
    group, a, b = two_galaxies()
    a["n"].locked = True
    a["Re"].uncertainty = 0.125
    text = str(group)
    for expected in ("a:Re", "0.125", "arcsec", "[0.36, 10]", "yes", "b:PA"):
        assert expected in text
    row = next(line for line in text.splitlines() if line.strip().startswith("a:PA"))
    assert row.rstrip().endswith("b:PA")  # linked to
    assert "center" in str(a) and "Ie" in str(a.parameters)


def test_names_are_optional_and_classes_have_their_autoprof_names():
    target = make_target(psf_sigma=0.5)
    m = ap.models.AstroPhot_Model(model_type="point model", target=target, center=[3, 3], flux=0)
    assert m.name.startswith("point model ")
    assert ap.models.AutoPhot_Model is ap.models.Model and ap.models.Sersic_Galaxy is ap.models.SersicGalaxy
    assert "sersic star model" in ap.models.Star_Model.List_Model_Names()
    assert "sersic galaxy model" not in ap.models.Star_Model.List_Model_Names()
    assert "group model" in ap.models.AutoProf_Model.List_Model_Names(useable=True)


def test_windows_in_autoprofs_forms():
    target = make_target(shape=(100, 120), pixelscale=0.262)
    box = np.array([10, 50, 20, 70]) * 0.262  # AutoProf 0.8: (x_min, x_max, y_min, y_max) arcsec
    m = ap.models.Model(name="s", model_type="sersic galaxy model", target=target, window=box)
    assert m.window.pixel_bounds == [[10, 50], [20, 70]]
    m.window = [[5, 15], [6, 16]]
    assert m.window.pixel_bounds == [[5, 15], [6, 16]]
    with pytest.raises(ValueError, match="ambiguous: .* would fit as pixel indices"):
        ap.models.Model(name="t", model_type="sersic galaxy model", target=target, window=[10, 50, 20, 70])
    with pytest.raises(ValueError, match="needs the target"):
        ap.models.Model(name="u", model_type="sersic galaxy model", window=box)


def test_autoprof_sky_parameters_convert_to_polychromes():
    target = make_target(shape=(20, 20), pixelscale=0.5)
    flat = ap.models.Model(name="f", model_type="flat sky model", target=target,
                           parameters={"center": [5, 5], "sky": {"value": 1.5, "uncertainty": 0.01}})
    assert flat["F"].value == pytest.approx(10 ** 1.5)
    assert flat["F"].uncertainty == pytest.approx(10 ** 1.5 * np.log(10) * 0.01)
    np.testing.assert_allclose(flat().data, 10 ** 1.5 * 0.25)
    plane = ap.models.Model(name="p", model_type="plane sky model", target=target,
                            parameters={"center": [5, 5], "sky": 10, "delta": [1e-2, 2e-2]})
    np.testing.assert_allclose(plane.reference, [5, 5])
    # AutoProf's delta is flux per pixel per arcsec: per arcsec^2 per arcsec it is / pixel area
    np.testing.assert_allclose(plane["delta"].value, [0.04, 0.08])
    image = plane().data  # AutoProf: sky * pixelscale^2 + X * delta[0] + Y * delta[1], X, Y arcsec from center
    x, y = ap.image.ModelImage(target.window).pixel_center_grid()
    np.testing.assert_allclose(image, 10 * 0.25 + (x - 5) * 1e-2 + (y - 5) * 2e-2)
    with pytest.raises(ValueError, match="not both"):
        ap.models.Model(name="x", model_type="flat sky model", target=target, F=1.0, sky=0.0)


def test_spline_knots_given_as_prof():
    target = make_target(shape=(40, 40), pixelscale=1.0)
    radii = [0, 2, 5, 10, 20]
    m = ap.models.Model(name="s", model_type="spline galaxy model", target=target,
                        parameters={"center": [20, 20], "q": 0.7, "PA": 0.3,
                                    "I(R)": {"value": [1, 0.5, 0, -0.5, -1], "prof": radii}})
    np.testing.assert_array_equal(m.knots, radii)
    assert np.all(np.isfinite(m().data))


def test_target_and_model_images_saved_and_read(tmp_path):
    psf = ap.utils.initialize.gaussian_psf(0.6, 9, 0.4)
    rng = np.random.default_rng(2)
    target = ap.image.Target_Image(rng.normal(size=(30, 32)), variance=np.full((30, 32), 2.0), pixelscale=0.4,
                                   origin=(1.5, -2.0), zeropoint=22.5, psf=psf, mask=rng.uniform(size=(30, 32)) > 0.9)
    path = target.save(str(tmp_path / "target.fits"))
    again = ap.image.Target_Image(filename=path)
    np.testing.assert_array_equal(again.data, target.data)
    np.testing.assert_array_equal(again.variance[~target.mask], target.variance[~target.mask])
    np.testing.assert_array_equal(again.mask, target.mask)
    np.testing.assert_allclose(again.psf.data, target.psf.data)
    np.testing.assert_array_equal(again.pixelscale, target.pixelscale)
    np.testing.assert_array_equal(again.origin, target.origin)
    assert again.zeropoint == 22.5
    model = ap.models.Model(name="m", model_type="sersic galaxy model", target=target, center=[7, 4], q=0.5,
                            PA=1.0, n=1.0, Re=1.0, Ie=0.0)
    from astropy.io import fits
    model().save(str(tmp_path / "model.fits"))
    np.testing.assert_array_equal(fits.getdata(tmp_path / "model.fits"), model().data)
    with pytest.raises(TypeError, match="needs data"):
        ap.image.Target_Image()


def test_model_save_defaults_to_autoprof_yaml(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    group, a, _ = two_galaxies()
    assert a.save() == "AutoProf.yaml"
    loaded = ap.models.AutoProf_Model(name="again", filename="AutoProf.yaml", target=a.target)
    assert loaded.name == "again" and loaded["Re"].value == a["Re"].value


def test_ap_config_fields():
    assert ap.AP_config.ap_device == "cpu" and ap.AP_config.ap_dtype is np.float64
    ap.AP_config.ap_device = "cpu"
    ap.AP_config.ap_dtype = np.float64
    with pytest.raises(ValueError, match="ap_device: .* only 'cpu'"):
        ap.AP_config.ap_device = "cuda:0"
    with pytest.raises(ValueError, match="ap_dtype: .* double precision"):
        ap.AP_config.ap_dtype = np.float32


def test_ap_config_logging_to_file(tmp_path, capsys):
    log = tmp_path / "AutoProf.log"
    ap.AP_config.set_logging_output(stdout=False, filename=str(log))
    ap.AP_config.ap_logger.info("to the file only")
    ap.AP_config.set_logging_output(stdout=True, filename=None)
    ap.AP_config.ap_logger.info("to the console")
    assert "to the file only" in log.read_text() and "to the console" not in log.read_text()
    assert "to the console" in capsys.readouterr().out
    assert isinstance(ap.AP_config.ap_logger, logging.Logger)


def test_fit_result_autoprof_names():
    target = make_target(shape=(20, 20), pixelscale=0.5)
    data = np.full((20, 20), 0.5) + np.random.default_rng(0).normal(0, 0.1, (20, 20))
    observed = ap.image.Target_Image(data, variance=np.full((20, 20), 0.01), pixelscale=0.5)
    sky = ap.models.Model(name="sky", model_type="flat sky model", target=observed)
    sky.initialize()
    result = ap.fit.LM(sky).fit()
    np.testing.assert_array_equal(result.covariance_matrix, result.covariance)
    with pytest.raises(AttributeError, match="PyTorch tensor method; polychrome's values are numpy already"):
        result.covariance_matrix.detach()
    with pytest.raises(AttributeError, match="drop .detach"):
        sky["F"].value.detach()
    np.testing.assert_array_equal(result.update_uncertainty(), result.uncertainties)
    assert sky["F"].uncertainty == pytest.approx(0.1 / 20 / 0.25)  # sigma / sqrt(N) per pixel area


def test_psf_normalize_and_profile_plots():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    psf = ap.image.PSF_Image(data=ap.utils.initialize.gaussian_psf(1.0, 11, 0.5) * 3, pixelscale=0.5)
    assert psf.normalize() is psf and abs(psf.data.sum() - 1) < 1e-12
    target = make_target(shape=(40, 40), pixelscale=0.5)
    target.zeropoint = 22.5
    m = ap.models.Model(name="gal", model_type="sersic galaxy model", target=target, center=[10, 10], q=0.7,
                        PA=0.3, n=1.0, Re=2.0, Ie=0.0)
    fig, ax = plt.subplots()
    line = ap.plots.galaxy_light_profile(fig, ax, m)
    r, mu = line.get_data()
    # an exponential (n = 1): mu(Re) = zeropoint - 2.5 Ie at R = Re
    assert np.interp(2.0, r, mu) == pytest.approx(22.5, abs=0.02)
    ap.plots.psf_image(fig, ax, psf)
    plt.close(fig)
    assert ap.plots.visuals.cmap_grad.name == "inferno"


def test_segmentation_helpers():
    labels = np.zeros((50, 60), int)
    labels[10:20, 5:9] = 3
    labels[30:33, 40:52] = 7
    image = np.where(labels > 0, 1.0, 0.0)
    windows = ap.utils.initialize.windows_from_segmentation_map(labels)
    assert windows == {3: [[5, 9], [10, 20]], 7: [[40, 52], [30, 33]]}
    assert ap.utils.initialize.filter_windows(windows, max_size=10) == {3: [[5, 9], [10, 20]]}
    assert ap.utils.initialize.filter_windows(windows, max_flux=38, image=image) == {7: [[40, 52], [30, 33]]}  # sums 40 and 36
    scaled = ap.utils.initialize.scale_windows(windows, image_shape=labels.shape, expand_scale=3, expand_border=2)
    assert scaled[3] == [[0, 15], [0, 32]]  # [-1, 15] x [-2, 32] clipped to the image
    assert scaled[7] == [[26, 60], [25, 38]]  # x: 46 -+ (3 x 6 + 2), clipped; y: 31.5 -+ (3 x 1.5 + 2)
    centroids = ap.utils.initialize.centroids_from_segmentation_map(labels, image)
    np.testing.assert_allclose(centroids[3], [6.5, 14.5])
    q, pa = ap.utils.initialize.shapes_from_segmentation_map(labels, image)[7]
    assert q < 0.4 and (pa < 0.05 or pa > np.pi - 0.05)  # long along x
