"""A joint model of one galaxy in three images of different pixel scales, origins and PSFs
(the AutoProf joint-modelling tutorial's set-up): flux and centroid agree, constraints hold,
groups nest, and the group Jacobian sums linked columns and matches finite differences."""

import numpy as np
import pytest

import polychrome as pc
from model_helpers import centroid, finite_difference_jacobian, make_target
from polychrome.models import Model

# (shape, arcsec/pixel, origin arcsec, PSF sigma arcsec, PSF width px): r-band-, W1- and NUV-like
# (sizes as in the tutorial; the images overlap with offsets of a few arcsec)
IMAGES = [((500, 500), 0.262, (0.0, 0.0), 1.12 / 2.355, 25),
          ((52, 52), 2.75, (-6.7, -5.2), 6.1 / 2.355, 11),
          ((90, 90), 1.5, (-3.4, -4.1), 5.4 / 2.355, 15)]
GALAXY = dict(center=[65.31, 64.87], q=0.65, PA=0.7, n=1.8, Re=5.0)
SHARED = ["center", "q", "PA", "n", "Re"]


def joint_model(Ie=(0.5, 0.8, 0.3)):
    targets = [make_target(shape, scale, origin, sigma, width) for shape, scale, origin, sigma, width in IMAGES]
    target_list = pc.image.TargetImageList(targets)
    members = [Model(name=f"gal_{band}", model_type="sersic galaxy model", target=target, Ie=ie, **GALAXY)
               for band, target, ie in zip("rwn", targets, Ie)]
    for member in members[1:]:
        member.add_equality_constraint(members[0], SHARED)
    return Model(name="joint", model_type="group model", models=members, target=target_list), targets


def test_same_flux_and_centroid_on_every_image():
    group, targets = joint_model(Ie=(0.5, 0.5, 0.5))
    images = group.sample()
    assert isinstance(images, pc.image.ModelImageList) and len(images) == 3
    expected = group.models["gal_r"].total_flux()
    for image, target in zip(images, targets):
        assert image.data.shape == target.shape
        assert image.flux == pytest.approx(expected, rel=2e-4)
        np.testing.assert_allclose(centroid(image, GALAXY["center"]), GALAXY["center"],
                                   atol=0.01 * target.pixelscale[0, 0])


def test_constraints_hold_after_value_changes():
    group, _ = joint_model()
    r, w, n = (group.models[name] for name in ("gal_r", "gal_w", "gal_n"))
    w["center"].value = [25.0, 27.0]
    np.testing.assert_array_equal(r["center"].value, [25.0, 27.0])
    np.testing.assert_array_equal(n["center"].value, [25.0, 27.0])
    n["q"].value = 0.4
    assert r["q"].value == w["q"].value == 0.4
    r["Ie"].value = 1.0
    assert (w["Ie"].value, n["Ie"].value) == (0.8, 0.3)  # not linked
    flux_before = group.sample().flux
    r["Re"].value = 6.0
    assert w["Re"].value == 6.0
    assert all(after > before for after, before in zip(group.sample().flux, flux_before))


def test_nesting_and_name_lookup():
    group, targets = joint_model()
    sky = Model(name="sky", model_type="flat sky model", target=targets[0], F=0.01, window=[[0, 50], [0, 60]])
    outer = Model(name="field", model_type="group model", models=[group, sky])
    assert outer.models["joint"] is group and outer.models["joint"].models["gal_w"].name == "gal_w"
    assert [m.name for m in outer.components()] == ["gal_r", "gal_w", "gal_n", "sky"]
    assert outer.targets == targets
    with pytest.raises(KeyError, match=r"group 'field' has no model named 'gal_r'; members: \['joint', 'sky'\]"):
        outer.models["gal_r"]
    with pytest.raises(ValueError, match="group 'field' already has a model named 'sky'"):
        outer.add_model(Model(name="sky", model_type="flat sky model", target=targets[1], F=0.0))
    sampled, alone = outer.sample(), group.sample()
    expected = alone[0].data.copy()
    expected[0:60, 0:50] += 0.01 * 0.262**2
    np.testing.assert_allclose(sampled[0].data, expected, rtol=1e-12)
    np.testing.assert_allclose(sampled[1].data, alone[1].data)


def test_update_window_is_the_union_of_members():
    target = make_target((100, 120), 0.5)
    a = Model(name="a", model_type="flat sky model", target=target, F=1.0, window=[[10, 30], [5, 25]])
    b = Model(name="b", model_type="flat sky model", target=target, F=2.0, window=[[20, 60], [40, 50]])
    group = Model(name="g", model_type="group model", models=[a])
    assert group.window.pixel_bounds == [[10, 30], [5, 25]]
    group.add_model(b)
    assert group.window.pixel_bounds == [[10, 60], [5, 50]]
    b.window = [[0, 5], [90, 100]]
    group.update_window()
    assert group.window.pixel_bounds == [[0, 30], [5, 100]]
    image = group.sample()
    assert image.data.shape == (95, 30)
    assert image.data[0, 10] == pytest.approx(0.25) and image.data[90, 0] == pytest.approx(0.5)
    assert image.data[50, 20] == 0.0


def test_group_target_must_hold_its_members():
    # another pixel grid (scale or origin): refused
    for b_target in (make_target(pixelscale=0.25), make_target(origin=(1.0, 0.0))):
        member = Model(name="a", model_type="flat sky model", target=make_target(), F=1.0)
        with pytest.raises(ValueError, match="group 'g': member 'a' is on an image that is not in the group's target"):
            Model(name="g", model_type="group model", models=[member], target=b_target)
    member = Model(name="a", model_type="flat sky model", target=make_target(), F=1.0)
    with pytest.raises(KeyError, match="model 'g' .group model. has no parameters of its own"):
        Model(name="g", model_type="group model", models=[member])["F"]


def test_member_on_another_image_of_the_same_grid_moves_to_the_groups_target():
    # AutoProf rendered members by window coordinates: a model initialised on one image could be
    # fitted in a group on another image of the same grid. Here it moves there, with a warning.
    first, second = make_target(shape=(40, 40)), make_target(shape=(50, 50))
    second.data = np.full((50, 50), 2.0)
    member = Model(name="a", model_type="flat sky model", target=first, F=1.0)
    with pytest.warns(UserWarning, match="member 'a' is on another image with the same pixel grid"):
        group = Model(name="g", model_type="group model", models=[member], target=second)
    assert member.target is second and group.target is second
    assert group.sample().data.shape == (50, 50)
    late = Model(name="b", model_type="flat sky model", target=make_target(shape=(40, 40)), F=0.5)
    with pytest.warns(UserWarning, match="member 'b' is on another image"):
        group.add_model(late)
    assert late.target is second


def test_group_jacobian_sums_linked_columns_and_matches_finite_differences():
    group, _ = joint_model()
    jacobians = group.jacobian()
    assert len(jacobians) == 3
    names = ["gal_r:center[0]", "gal_r:center[1]", "gal_r:q", "gal_r:PA", "gal_r:n", "gal_r:Re",
             "gal_r:Ie", "gal_w:Ie", "gal_n:Ie"]
    for jacobian, member in zip(jacobians, group.models):
        assert jacobian.names == names
        own = member.jacobian()  # the member alone: its 7 columns
        np.testing.assert_allclose(jacobian.data[:6], own.data[:6])
        band_column = names.index(f"{member.name}:Ie")
        np.testing.assert_allclose(jacobian.data[band_column], own.data[6])
        others = [k for k in range(6, 9) if k != band_column]
        assert not np.any(jacobian.data[others])
    for analytic, numeric in zip(jacobians, finite_difference_jacobian(group)):
        for k, name in enumerate(names):
            scale = np.abs(numeric[k]).max()
            np.testing.assert_allclose(analytic.data[k], numeric[k], atol=1e-3 * scale + 1e-12, err_msg=name)


def test_linked_columns_within_one_image_are_summed():
    """Two components on one image sharing their centre: the centre column is the sum of both."""
    target = make_target((48, 48), 0.5, psf_sigma=0.6, psf_width=11)
    bulge = Model(name="bulge", model_type="sersic galaxy model", target=target, center=[12.1, 11.8], q=0.8,
                  PA=0.3, n=4.0, Re=1.0, Ie=0.5)
    disk = Model(name="disk", model_type="exponential galaxy model", target=target, center=[12.1, 11.8], q=0.4,
                 PA=1.2, Re=4.0, Ie=-0.5, window=[[4, 44], [2, 46]])
    disk.add_equality_constraint(bulge, "center")
    group = Model(name="galaxy", model_type="group model", models=[bulge, disk])
    jacobian = group.jacobian()
    assert jacobian.names[:2] == ["bulge:center[0]", "bulge:center[1]"] and len(jacobian.names) == 11
    expected = bulge.jacobian().data[:2].copy()
    expected[:, 2:46, 4:44] += disk.jacobian().data[:2]
    np.testing.assert_allclose(jacobian.data[:2], expected, rtol=1e-12, atol=1e-15)
    numeric = finite_difference_jacobian(group)[0]
    for k, name in enumerate(jacobian.names):
        scale = np.abs(numeric[k]).max()
        np.testing.assert_allclose(jacobian.data[k], numeric[k], atol=1e-3 * scale, err_msg=name)
