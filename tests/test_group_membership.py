"""A group holds each model object once and never itself (issue 10): both used to be accepted,
rendering a component twice (a fit then halved its brightness) or recursing without end."""

import pickle

import numpy as np
import pytest
from model_helpers import make_target

from polychrome.models import Model


def sky(name, target, level=1.0):
    return Model(name=name, model_type="flat sky model", target=target, F=level)


def test_a_component_in_two_sub_groups_is_refused_naming_it():
    target = make_target((10, 10), 1.0)
    shared = sky("shared", target)
    left = Model(name="left", model_type="group model", models=[shared, sky("a", target)])
    right = Model(name="right", model_type="group model", models=[shared])
    with pytest.raises(ValueError, match=r"model 'shared' is in group 'root' twice, as root/left/shared "
                                         r"and root/right/shared"):
        Model(name="root", model_type="group model", models=[left, right])


def test_a_sub_group_placed_twice_is_refused():
    target = make_target((10, 10), 1.0)
    inner = Model(name="inner", model_type="group model", models=[sky("s", target)])
    middle = Model(name="middle", model_type="group model", models=[inner])
    with pytest.raises(ValueError, match="model 'inner' is in group 'root' twice"):
        Model(name="root", model_type="group model", models=[inner, middle])


def test_a_group_cannot_be_added_to_itself_directly_or_through_a_member():
    target = make_target((10, 10), 1.0)
    group = Model(name="g", model_type="group model", models=[sky("s", target)])
    with pytest.raises(ValueError, match=r"group 'g' cannot contain itself"):
        group.add_model(group)
    outer = Model(name="outer", model_type="group model", models=[group])
    with pytest.raises(ValueError, match=r"group 'g' cannot contain itself \(it would be inside itself as g/outer/g\)"):
        group.add_model(outer)
    assert group.models.names == ["s"]  # the refused member is not kept
    assert [c.name for c in outer.components()] == ["s"]
    assert np.all(outer.sample().data == 1.0)


def test_adding_a_member_already_in_the_tree_is_refused_and_undone():
    target = make_target((10, 10), 1.0)
    star = sky("star", target)
    sub = Model(name="sub", model_type="group model", models=[star])
    root = Model(name="root", model_type="group model", models=[sub, sky("other", target, 2.0)])
    with pytest.raises(ValueError, match="model 'star' is in group 'root' twice"):
        root.add_model(star)
    assert root.models.names == ["sub", "other"]
    assert np.all(root.sample().data == 3.0)


def _star_beside_sub_group():
    """(star, sub, root): root holds the component star and the group sub (holding x)."""
    target = make_target((10, 10), 1.0)
    star = sky("star", target)
    sub = Model(name="sub", model_type="group model", models=[sky("x", target)])
    return star, sub, Model(name="root", model_type="group model", models=[star, sub])


def test_a_repeat_made_inside_a_sub_group_is_caught_before_rendering():
    """A sub-group does not know its parents: a member added to it may already be elsewhere in
    the tree. The tree is checked again whenever its components are listed (sample, fit, save)."""
    star, sub, root = _star_beside_sub_group()
    sub.add_model(star)  # fine for sub alone
    with pytest.raises(ValueError, match="model 'star' is in group 'root' twice, as root/star and root/sub/star"):
        root.sample()


def test_adding_through_the_collection_is_checked_too():
    target = make_target((10, 10), 1.0)
    group = Model(name="g", model_type="group model", models=[sky("s", target)])
    with pytest.raises(ValueError, match="group 'g' cannot contain itself"):
        group.models.add(group)
    assert group.models.names == ["s"]


def test_a_checked_group_still_pickles():
    target = make_target((10, 10), 1.0)
    group = Model(name="g", model_type="group model", models=[sky("s", target)])
    again = pickle.loads(pickle.dumps(group))
    with pytest.raises(ValueError, match="model 's' is in group 'g' twice"):
        again.models.add(Model(name="outer", model_type="group model", models=[again.models["s"]]))


def _walked(group):
    """The components as a fresh walk of the tree lists them (no memo)."""
    from polychrome.models.group_membership import components_and_groups

    return components_and_groups(group)[0]


def test_listed_components_follow_every_change_of_the_tree_after_a_first_listing():
    """A group keeps its components between listings (components_memo) only while no member
    collection in its tree changed: every change, at any depth, is seen at the next listing."""
    target = make_target((10, 10), 1.0)
    a, b, c, d = (sky(name, target) for name in "abcd")
    sub = Model(name="sub", model_type="group model", models=[b])
    root = Model(name="root", model_type="group model", models=[a, sub])
    assert root.components() == [a, b] == _walked(root)
    sub.add_model(c)  # inside the tree
    assert root.components() == [a, b, c] == _walked(root)
    root.add_model(d)
    assert root.components() == [a, b, c, d] == _walked(root)
    sub.models.remove("b")
    assert root.components() == [a, c, d] == _walked(root)
    root.models.remove("sub")
    assert root.components() == [a, d] == _walked(root)
    listed = root.components()
    listed.append(b)  # a caller's list is its own
    assert root.components() == [a, d]


def test_a_repeat_made_inside_a_sub_group_after_a_listing_is_still_caught():
    star, sub, root = _star_beside_sub_group()
    assert [m.name for m in root.components()] == ["star", "x"]
    sub.add_model(star)  # fine for sub alone
    with pytest.raises(ValueError, match="model 'star' is in group 'root' twice, as root/star and root/sub/star"):
        root.components()


def test_a_pickled_group_lists_its_own_components_and_follows_changes():
    target = make_target((10, 10), 1.0)
    sub = Model(name="sub", model_type="group model", models=[sky("b", target)])
    group = Model(name="g", model_type="group model", models=[sky("a", target), sub])
    group.components()
    again = pickle.loads(pickle.dumps(group))
    assert [m.name for m in again.components()] == ["a", "b"]
    assert all(m is n for m, n in zip(again.components(), _walked(again)))
    again.models["sub"].add_model(sky("c", again.models["a"].target))
    assert [m.name for m in again.components()] == ["a", "b", "c"]
    assert [m.name for m in group.components()] == ["a", "b"]
