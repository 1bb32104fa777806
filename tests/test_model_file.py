"""Saving models to YAML and loading them back: exact round trips, the load-then-assign flow, bad files."""

import os
import warnings

import numpy as np
import pytest
import yaml
from model_helpers import data_of, make_target

import polychrome as pc
from polychrome.models import Model
from polychrome.param import FreeParameters


def noisy_target(shape, pixelscale, psf_sigma, origin=(0.0, 0.0), seed=0):
    target = make_target(shape, pixelscale, origin=origin, psf_sigma=psf_sigma)
    target.data[...] = np.random.default_rng(seed).normal(0.0, 0.1, shape)
    return target


def tree():
    """Targets and a nested joint model using every saved feature."""
    wide = noisy_target((60, 60), 0.2, 0.3)
    coarse = noisy_target((30, 30), 0.4, 0.5, origin=(0.3, -0.2), seed=1)
    a = Model(name="a", model_type="sersic galaxy model", target=wide, center=[6.1, 5.9], q=0.6, PA=0.3,
              n=2.3, Re=1.5, Ie=1.0)
    b = Model(name="b", model_type="sersic galaxy model", target=coarse, window=[[2, 28], [3, 27]],
              center=[6, 6], q=0.6, PA=0.3, n=2, Re=1.5, Ie={"value": 0.5, "limits": (-1, 2)})
    b.add_equality_constraint(a, ["center", "q", "PA", "n", "Re"])
    spline = Model(name="s", model_type="spline galaxy model", target=coarse, center=[7.1, 6.2], q=0.7, PA=1.0)
    spline["I(R)"].value = np.linspace(1, -2, 8) / 3.0
    star = Model(name="star", model_type="point model", target=wide, center=[3.3, 8.7], flux=1.7)
    moffat = Model(name="moffat", model_type="moffat star model", target=wide, center=[5.3, 2.7], n=2.5, Rd=0.4, I0=0.2)
    boxy = Model(name="boxy", model_type="gaussian fourier warp galaxy model", target=coarse, center=[7.0, 5.5],
                 q=0.6, PA=0.2, sigma=0.8, flux=1.0, modes=(2, 5), am=[0.05, -0.02], phim=[1.0, 3.0],
                 warp_knots=[0.0, 1.0, 2.5], **{"q(R)": [0.9, 0.8, 0.85], "PA(R)": [0.0, 0.2, 0.3]})
    star["flux"].uncertainty = 0.013
    sky = Model(name="sky", model_type="plane sky model", target=wide, F=0.1, delta=[0.01, -0.002])
    sky["F"].locked = True
    grid = Model(name="grid", model_type="bilinear sky model", target=coarse, nodes=(2, 3),
                 I=[[0.01, 0.02, -0.01], [0.0, 0.03, 0.01]])
    # a galaxy whose PSF is a live Gaussian PSF model on its own grid (0.2"/px: psf_upsample 2)
    psf_grid = pc.image.TargetImage(np.zeros((15, 15)), pixelscale=0.2, origin=(-1.5, -1.5))
    live = Model(name="live", model_type="exponential galaxy model", target=coarse, center=[6.4, 7.2], q=0.8,
                 PA=0.5, Re=0.9, Ie=0.3,
                 psf=Model(name="lpsf", model_type="gaussian psf model", target=psf_grid, sigma=0.45))
    mge = Model(name="mge", model_type="mge model", target=coarse, center=[6.5, 4.8], q=[0.8, 0.5], PA=[0.3, 0.4],
                sigma=[0.5, 1.5], flux=[0.5, 1.0])
    ellipsoid = Model(name="ellipsoid", model_type="gaussianellipsoid model", target=wide, center=[5.5, 7.5],
                      sigma_a=1.0, sigma_b=0.8, sigma_c=0.3, alpha=1.0, beta=0.7, gamma=0.2, flux=1.2)
    disk = Model(name="disk", model_type="isothermal sech2 edgeon model", target=wide, center=[4.2, 6.5], PA=2.5,
                 I0=0.3, hs=0.4, rs=1.5)
    sub = Model(name="sub", model_type="group model", models=[spline, star, sky, grid, moffat, boxy, live, mge,
                                                               ellipsoid, disk])
    root = Model(name="root", model_type="group model", models=[a, b, sub])
    return root, [wide, coarse]


def test_round_trip_renders_exactly_and_keeps_every_parameter_field(tmp_path):
    root, targets = tree()
    path = root.save(str(tmp_path / "model.yaml"))
    loaded = Model(name="reloaded", filename=path)
    assert loaded.name == "reloaded" and loaded.target is None
    loaded.target = pc.image.TargetImageList(targets)
    for before, after in zip(data_of(root.sample()), data_of(loaded.sample())):
        assert np.array_equal(before, after)
    original = FreeParameters(root.all_parameters())
    again = FreeParameters(loaded.all_parameters())
    assert again.size == original.size
    assert np.array_equal(again.get_values(), original.get_values())
    pairs = zip(root.all_parameters(), loaded.all_parameters())
    for p, q in pairs:
        assert (p.name, p.limits, p.locked, p.uncertainty) == (q.name, q.limits, q.locked, q.uncertainty)
    b, a = loaded.models["b"], loaded.models["a"]
    assert b.window.pixel_bounds == [[2, 28], [3, 27]]
    assert loaded.models["sub"].models["s"].knots.tolist() == root.models["sub"].models["s"].knots.tolist()
    a["q"].value = 0.45  # the equality constraints are back: one quantity
    assert b["q"].value == 0.45 and not b["Ie"].is_linked_to(a["Ie"])


def test_tutorial_flow_members_assigned_one_by_one_then_update_window(tmp_path):
    root, (wide, coarse) = tree()
    root.save(tmp_path / "model.yaml")
    loaded = pc.models.AutoProf_Model(name="again", filename=str(tmp_path / "model.yaml"))
    loaded.target = pc.image.Target_Image_List([wide, coarse])
    loaded.models["a"].target = wide
    loaded.models["b"].target = coarse
    loaded.update_window()
    for before, after in zip(data_of(root.sample()), data_of(loaded.sample())):
        assert np.array_equal(before, after)


def test_members_can_be_assigned_before_the_group(tmp_path):
    root, (wide, coarse) = tree()
    root.save(tmp_path / "m.yaml")
    loaded = Model(filename=tmp_path / "m.yaml")
    for name, image in [("a", wide), ("b", coarse)]:
        loaded.models[name].target = image
    sub = loaded.models["sub"]
    for name, image in [("s", coarse), ("star", wide), ("sky", wide), ("grid", coarse), ("moffat", wide), ("boxy", coarse),
                        ("live", coarse), ("mge", coarse), ("ellipsoid", wide), ("disk", wide)]:
        sub.models[name].target = image
    assert [t is u for t, u in zip(loaded.targets, [wide, coarse])] == [True, True]
    for before, after in zip(data_of(root.sample()), data_of(loaded.sample())):
        assert np.array_equal(before, after)


def test_explicit_group_window_and_fit_uncertainties_survive(tmp_path):
    target = noisy_target((40, 40), 0.5, 0.6)
    galaxy = Model(name="g", model_type="sersic galaxy model", target=target, center=[10, 10], q=0.8, PA=0.5,
                   n=1.5, Re=2.0, Ie=0.2)
    target.data[...] += galaxy.sample().data
    group = Model(name="field", model_type="group model", models=[galaxy],
                  window=pc.image.Window(target, [[5, 35], [4, 36]]))
    pc.fit.LM(group).fit()
    group.save(tmp_path / "fit.yaml")
    loaded = Model(name="field", filename=tmp_path / "fit.yaml", target=target)
    assert loaded.window.pixel_bounds == [[5, 35], [4, 36]]
    assert np.array_equal(loaded.sample().data, group.sample().data)
    for p, q in zip(group.all_parameters(), loaded.all_parameters()):
        assert q.uncertainty is not None and np.array_equal(np.atleast_1d(p.uncertainty), np.atleast_1d(q.uncertainty))


def test_a_single_component_round_trips(tmp_path):
    target = noisy_target((32, 32), 0.5, 0.6)
    model = Model(name="m", model_type="moffat galaxy model", target=target, center=[8, 8], q=0.7, PA=2.0,
                  n=2.5, Rd=1.2, I0=0.3, psf_mode="none")
    model.save(tmp_path / "m.yaml")
    loaded = Model(filename=tmp_path / "m.yaml", model_type="moffat galaxy model")
    assert loaded.psf_mode == "none"
    loaded.target = target
    assert np.array_equal(loaded.sample().data, model.sample().data)


def test_the_file_is_plain_yaml():
    root, _ = tree()
    from polychrome.models.model_file import model_to_dict

    text = yaml.safe_dump(model_to_dict(root))
    assert "!!python" not in text
    assert yaml.safe_load(text)["model"]["models"][1]["parameters"]["q"] == {"same_as": ["a", "q"]}


def test_models_without_a_target_say_so():
    model = Model(name="later", model_type="sersic galaxy model", center=[5, 5], q=0.5, PA=0.1, n=1, Re=1, Ie=0)
    assert model.target is None and model.window is None and model.psf_mode is None
    for action in (model.sample, model.initialize, lambda: pc.fit.LM(model)):
        with pytest.raises(ValueError, match="model 'later' has no target"):
            action()
    group = Model(name="grp", model_type="group model", models=[model])
    with pytest.raises(ValueError, match="model 'later' has no target"):
        group.sample()
    target = make_target((20, 20), 0.5, psf_sigma=0.5)
    group.target = target  # one image: the members without one take it
    assert model.target is target and model.psf_mode == "full"
    assert model.sample().data.shape == (20, 20)


def test_options_that_default_from_the_target_are_set_when_it_arrives():
    spline = Model(name="s", model_type="spline galaxy model", window=[[0, 20], [0, 10]])
    sky = Model(name="sky", model_type="plane sky model")
    assert spline.knots is None and sky.reference is None
    target = make_target((30, 40), 0.5)
    spline.target, sky.target = target, target
    assert len(spline.knots) == 8 and spline.window.shape == (10, 20)
    assert sky.reference.shape == (2,)
    star = Model(name="star", model_type="point model")
    with pytest.raises(ValueError, match="a point model needs a target with a psf"):
        star.target = target
    assert star.target is None


def test_reassigning_a_group_moves_members_position_by_position():
    root, (wide, coarse) = tree()
    reference = data_of(root.sample())
    wide2 = noisy_target((60, 60), 0.2, 0.3, seed=5)
    coarse2 = noisy_target((30, 30), 0.4, 0.5, origin=(0.3, -0.2), seed=6)
    root.target = pc.image.TargetImageList([wide2, coarse2])
    assert root.models["b"].target is coarse2 and root.models["sub"].models["sky"].target is wide2
    for before, after in zip(reference, data_of(root.sample())):
        assert np.array_equal(before, after)
    with pytest.raises(ValueError, match="group 'root' spans 2 image"):
        root.target = wide2


def test_a_window_that_no_longer_fits_is_reported():
    model = Model(name="m", model_type="flat sky model", window=[[50, 60], [50, 60]], F=1.0)
    with pytest.raises(ValueError, match=r"model 'm': window \[\[50, 60\], \[50, 60\]\] does not fit the target"):
        model.target = make_target((20, 20), 0.5)
    assert model.target is None


def test_a_link_outside_the_saved_tree_warns(tmp_path):
    target = make_target((20, 20), 0.5)
    a = Model(name="a", model_type="flat sky model", target=target, F=1.0)
    b = Model(name="b", model_type="flat sky model", target=target, F=1.0)
    b.add_equality_constraint(a, "F")
    with pytest.warns(UserWarning, match="linked to a parameter outside the saved model"):
        b.save(tmp_path / "b.yaml")
    assert Model(filename=tmp_path / "b.yaml")["F"].value == 1.0


def write(tmp_path, text):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return str(path)


GOOD = """polychrome_model: 1
model:
  name: g
  model_type: group model
  targets: [0]
  models:
  - name: sky
    model_type: flat sky model
    target: 0
    parameters:
      F: {value: 1.0, limits: [null, null], locked: false}
  - name: sky2
    model_type: flat sky model
    target: 0
    parameters:
      F: {same_as: [sky, F]}
"""


@pytest.mark.parametrize("text, message", [
    ("a: [1, 2", "not a YAML file"),
    ("- 1\n- 2\n", "not a polychrome model file"),
    (GOOD.replace("polychrome_model: 1", "polychrome_model: 7"), "polychrome_model is 7; this version"),
    (GOOD.replace("  targets: [0]\n", "  targets: [0]\n  colour: red\n"), r"model \(root\): unknown key\(s\) \['colour'\]"),
    (GOOD.replace("model_type: flat sky model\n    target: 0\n    parameters:\n      F: {value",
                  "model_type: flat sky\n    target: 0\n    parameters:\n      F: {value"), "model sky: unknown model_type 'flat sky'"),
    (GOOD.replace("F: {value: 1.0,", "G: {value: 1.0,"), "unknown parameter"),
    (GOOD.replace("F: {value: 1.0, limits: [null, null]", "F: {value: 1.0, limits: [2, 3]"), "outside its limits"),
    (GOOD.replace("same_as: [sky, F]", "same_as: [sky3, F]"), "parameter sky2/F: same_as: no model 'sky3'"),
    (GOOD.replace("same_as: [sky, F]", "same_as: sky"), "same_as must be a list"),
    (GOOD.replace("    target: 0\n    parameters:\n      F: {value", "    target: -1\n    parameters:\n      F: {value"),
     r"model sky: target must be an image position \(integer >= 0\), got -1"),
    (GOOD.replace("F: {value: 1.0,", "F: {value: one,"), "must be a number"),
    (GOOD.replace("  - name: sky2\n", "  - name: sky\n"), "already has a model named 'sky'"),
    (GOOD.replace("F: {value: 1.0, limits: [null, null], locked: false}", "F: {value: 1.0, locked: false, unit: Jy}"),
     r"parameter 'F': unknown key\(s\) \['unit'\]"),
])
def test_files_of_the_wrong_form_are_rejected_with_the_reason(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match=message) as info:
        Model(filename=path)
    assert str(info.value).startswith(path)


def test_good_file_loads_and_the_type_must_match(tmp_path):
    path = write(tmp_path, GOOD)
    model = Model(filename=path)
    assert model.models["sky2"]["F"].is_linked_to(model.models["sky"]["F"])
    with pytest.raises(ValueError, match="the saved model is a 'group model', not a 'flat sky model'"):
        Model(filename=path, model_type="flat sky model")
    with pytest.raises(TypeError, match="only name, model_type and target"):
        Model(filename=path, q=0.5)


def test_a_failed_save_leaves_no_file(tmp_path):
    target = make_target((20, 20), 0.5)
    model = Model(name="a", model_type="flat sky model", target=target, F=1.0)
    with pytest.raises(OSError):
        model.save(tmp_path / "missing" / "a.yaml")
    path = tmp_path / "a.yaml"
    model.save(path)
    model.save(path)  # replacing works, and leaves no temporary files behind
    assert sorted(os.listdir(tmp_path)) == ["a.yaml"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Model(filename=path)["F"].value == 1.0


def test_saved_file_gets_ordinary_permissions(tmp_path):
    """Written through a private temporary file, the saved model still gets the permissions of a
    new file (0666 less the umask), or keeps those of the file it replaces."""
    import stat

    target = pc.image.TargetImage(np.zeros((10, 10)), pixelscale=0.5)
    model = Model(name="g", model_type="flat sky model", target=target, F=1.0)
    umask = os.umask(0o022)
    try:
        model.save(tmp_path / "new.yaml")
        assert stat.S_IMODE(os.stat(tmp_path / "new.yaml").st_mode) == 0o644
        os.chmod(tmp_path / "new.yaml", 0o640)
        model.save(tmp_path / "new.yaml")
        assert stat.S_IMODE(os.stat(tmp_path / "new.yaml").st_mode) == 0o640
    finally:
        os.umask(umask)
