"""Model files under faults and load (issue 10): linear save and load, truncation detected,
symbolic links written through, fsync before the rename, binary files refused clearly."""

import gc
import os
import stat
import sys

import numpy as np
import pytest
from model_helpers import make_target

import polychrome.utils.atomic_file as atomic_file
from polychrome.models import Model


def field(count):
    """A group of ``count`` galaxies sharing one centre quantity."""
    target = make_target((20, 20), 0.5)
    galaxies = [Model(name=f"g{k}", model_type="sersic galaxy model", target=target, center=[5, 5], q=0.5,
                      PA=0.1, n=1, Re=1, Ie=0) for k in range(count)]
    for galaxy in galaxies[1:]:
        galaxy.add_equality_constraint(galaxies[0], "center")
    return Model(name="field", model_type="group model", models=galaxies)


def python_calls(action):
    """The number of Python function calls ``action()`` makes (an operation count, not a timing)."""
    count = [0]

    def profile(frame, event, arg):
        if event == "call":
            count[0] += 1

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return count[0]


def test_save_and_load_work_grows_linearly_with_the_number_of_components(tmp_path):
    """Saving used to check every link against every parameter of the tree: quadratic work
    (1000 components 2 s, 2000 19 s)."""
    counts = {}
    for size in (100, 200):
        model, path = field(size), tmp_path / f"{size}.yaml"
        counts[size] = (python_calls(lambda: model.save(path)), python_calls(lambda: Model(filename=path)))
    for small, large in zip(counts[100], counts[200]):
        assert large < 2.2 * small


def test_save_and_load_run_no_full_garbage_collection(tmp_path):
    """The cyclic collector's full passes walk every live object; triggered over and over while a
    file's worth of objects is built, they made loading quadratic in time."""
    model, path = field(1500), tmp_path / "big.yaml"
    full_passes = []

    def record(phase, info):
        if phase == "start" and info["generation"] == 2:
            full_passes.append(info)

    gc.collect()
    gc.callbacks.append(record)
    try:
        model.save(path)
        loaded = Model(filename=path)
    finally:
        gc.callbacks.remove(record)
    assert full_passes == [] and gc.isenabled()
    assert len(loaded.models) == 1500


def test_a_file_cut_short_anywhere_is_refused(tmp_path):
    """A file cut at a line boundary used to load as another model (a group short of members)."""
    target = make_target((20, 20), 0.5)
    members = [Model(name=f"s{k}", model_type="flat sky model", target=target, F=float(k)) for k in range(3)]
    path = Model(name="g", model_type="group model", models=members).save(tmp_path / "g.yaml")
    text = open(path).read()
    lines = text.splitlines(keepends=True)
    cuts = [len("".join(lines[:k])) for k in range(1, len(lines))] + list(range(7, len(text) - 1, 37))
    for cut in cuts:
        short = tmp_path / "short.yaml"
        short.write_text(text[:cut])
        with pytest.raises(ValueError, match="short.yaml"):
            Model(filename=short)
    assert len(Model(filename=path).models) == 3


def test_version_1_files_without_the_marker_still_load(tmp_path):
    text = """polychrome_model: 1
model:
  name: sky
  model_type: flat sky model
  parameters:
    F: {value: 1.5, limits: [null, null], locked: false}
"""
    (tmp_path / "v1.yaml").write_text(text)
    assert Model(filename=tmp_path / "v1.yaml")["F"].value == 1.5
    (tmp_path / "v2.yaml").write_text(text.replace("polychrome_model: 1", "polychrome_model: 2"))
    with pytest.raises(ValueError, match="the file is incomplete"):
        Model(filename=tmp_path / "v2.yaml")


def test_a_binary_file_is_refused_naming_it(tmp_path):
    path = tmp_path / "image.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ValueError, match=r"image.yaml: not a YAML file"):
        Model(filename=path)


def test_saving_onto_a_symbolic_link_writes_through_it(tmp_path):
    target = make_target((10, 10), 0.5)
    os.makedirs(tmp_path / "store")
    real = tmp_path / "store" / "model.yaml"
    real.write_text("old")
    link = tmp_path / "latest.yaml"
    os.symlink(real, link)
    Model(name="s", model_type="flat sky model", target=target, F=2.0).save(link)
    assert os.path.islink(link) and os.readlink(link) == str(real)
    assert Model(filename=real)["F"].value == 2.0
    assert sorted(os.listdir(tmp_path / "store")) == ["model.yaml"]


def test_the_file_is_synced_before_the_rename_and_the_folder_after(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append(("fsync", stat.S_ISDIR(os.fstat(fd).st_mode))),
                                                 real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append(("replace", None)), real_replace(a, b))[1])
    target = make_target((10, 10), 0.5)
    Model(name="s", model_type="flat sky model", target=target, F=2.0).save(tmp_path / "m.yaml")
    assert events == [("fsync", False), ("replace", None), ("fsync", True)]


def test_an_interrupted_save_keeps_the_previous_file(tmp_path, monkeypatch):
    target = make_target((10, 10), 0.5)
    path = Model(name="s", model_type="flat sky model", target=target, F=1.0).save(tmp_path / "m.yaml")
    before = open(path).read()

    def killed(path):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic_file, "_sync_file", killed)
    with pytest.raises(KeyboardInterrupt):
        Model(name="s", model_type="flat sky model", target=target, F=3.0).save(path)
    assert open(path).read() == before and os.listdir(tmp_path) == ["m.yaml"]


def test_linked_parameters_with_their_own_limits_round_trip(tmp_path):
    """Linking needs equal limits; a same_as entry takes the limits of the parameter it names."""
    target = make_target((20, 20), 0.5)
    a = Model(name="a", model_type="sersic galaxy model", target=target, center=[5, 5], q=0.5, PA=0.1, n=1,
              Re=1, Ie=0)
    b = Model(name="b", model_type="sersic galaxy model", target=target, center=[5, 5], q=0.5, PA=0.1, n=1,
              Re=1, Ie=0)
    b.add_equality_constraint(a, "n")
    a["n"].limits = (0.5, 4.0)
    group = Model(name="g", model_type="group model", models=[a, b])
    loaded = Model(filename=group.save(tmp_path / "g.yaml"))
    assert loaded.models["b"]["n"].is_linked_to(loaded.models["a"]["n"])
    assert loaded.models["b"]["n"].limits == (0.5, 4.0)
    assert np.array_equal(loaded.models["b"]["n"].value, 1.0)
