"""The survey pipeline's machinery (chunks, parts, resume, faults, Dask) with a stand-in fitter."""

import math
import os

import numpy as np
import pytest

pytest.importorskip("pyarrow")
from survey_fakes import FakeFitter, FakeTask, Interrupted, fake_tasks  # noqa: E402

from polychrome.survey.chunks import ChunkSizer  # noqa: E402
from polychrome.survey.flags import SourceFlag  # noqa: E402
from polychrome.survey.merge import merge, merged_table  # noqa: E402
from polychrome.survey.parts import part_files  # noqa: E402
from polychrome.survey.pipeline import run_groups  # noqa: E402
from polychrome.survey.run_folder import ConfigurationChanged  # noqa: E402

CONFIG = {"catalog": "abc", "images": [], "image_files": [], "model": {"candidates": ["sersic galaxy model"]}}


def run(tasks, fitter, out, **options):
    options = {"serial": True, "progress": False, "chunk_seconds": 1e-9, **options}
    return run_groups(tasks, fitter, out, CONFIG, **options)


def expected_ids(tasks):
    return sorted(source["id"] for task in tasks for source in task.sources)


def check_clean(table, tasks):
    assert list(table["id"]) == expected_ids(tasks)
    assert np.allclose(table["value"], np.sqrt(table["id"]))
    assert np.all(table["flags"] == 0)


def test_chunks_cover_every_task_once_and_follow_the_measured_rate():
    tasks = fake_tasks(100)
    sizer = ChunkSizer(tasks, chunk_seconds=2.0, n_workers=2)
    first = sizer.next_chunk()
    assert len(first.tasks) == 8                      # before any timing: small first chunks
    sizer.record(first, seconds=8.0)                  # 1 s per group -> 2 groups per 2 s chunk
    second = sizer.next_chunk()
    assert len(second.tasks) == 2
    seen = [t.group_id for t in first.tasks + second.tasks]
    while sizer:
        seen += [t.group_id for t in sizer.next_chunk().tasks]
    assert seen == list(range(100))


def test_chunks_shrink_at_the_tail_so_every_worker_has_a_share():
    sizer = ChunkSizer(fake_tasks(40), chunk_seconds=1e6, n_workers=2)
    sizer.record(sizer.next_chunk(), seconds=1.0)     # fast: the time target alone would take everything
    assert len(sizer.next_chunk().tasks) <= 32 // 4 + 1


@pytest.mark.parametrize("bad", [0, -1.0, float("nan")])
def test_chunk_seconds_must_be_positive(bad):
    with pytest.raises(ValueError, match="chunk_seconds"):
        ChunkSizer(fake_tasks(2), chunk_seconds=bad, n_workers=1)


def test_serial_run_writes_one_row_per_source_in_parts(tmp_path):
    tasks = fake_tasks(30)
    assert run(tasks, FakeFitter(), tmp_path) == 60
    assert len(part_files(tmp_path)) > 1
    table = merged_table(tmp_path)
    check_clean(table, tasks)
    assert str(table["value"].unit) == "adu"
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".polychrome-")]


def test_interrupted_run_resumes_to_the_same_table_without_duplicates(tmp_path):
    tasks = fake_tasks(40)
    with pytest.raises(Interrupted):
        run(tasks, FakeFitter(interrupt_for={25}), tmp_path / "run")
    parts_before = part_files(tmp_path / "run")
    assert parts_before, "some chunks finished before the interruption"
    resumed = FakeFitter()
    run(tasks, resumed, tmp_path / "run")
    done_before = set(merged_table(tmp_path / "run")["group_id"]) - set(resumed.fitted)
    assert done_before and min(resumed.fitted) >= 8   # finished chunks were skipped, not refitted
    run(tasks, FakeFitter(), tmp_path / "whole")
    resumed_table, whole = merged_table(tmp_path / "run"), merged_table(tmp_path / "whole")
    check_clean(resumed_table, tasks)
    assert list(resumed_table["id"]) == list(whole["id"])
    assert np.array_equal(resumed_table["value"], whole["value"])
    assert run(tasks, FakeFitter(), tmp_path / "run") == 0      # a finished run does nothing more


def test_changed_configuration_is_refused_unless_restarting(tmp_path):
    tasks = fake_tasks(4)
    run(tasks, FakeFitter(), tmp_path)
    changed = {**CONFIG, "model": {"candidates": ["point model"]}}
    with pytest.raises(ConfigurationChanged, match="model spec.*restart=True"):
        run_groups(tasks, FakeFitter(), tmp_path, changed, serial=True, progress=False)
    assert run_groups(tasks, FakeFitter(), tmp_path, changed, serial=True, progress=False, restart=True) == 8
    check_clean(merged_table(tmp_path), tasks)


def test_a_group_that_raises_becomes_flagged_rows_serially(tmp_path):
    tasks = fake_tasks(10)
    run(tasks, FakeFitter(raise_for={3, 7}), tmp_path)
    table = merged_table(tmp_path)
    bad = np.isin(table["group_id"], [3, 7])
    assert list(table["id"]) == expected_ids(tasks)
    assert np.all(table["flags"][bad] == SourceFlag.EXCEPTION) and np.all(np.isnan(table["value"][bad]))
    assert all("ValueError: forced failure of group" in m and "survey_fakes.py" in m for m in table["message"][bad])
    assert np.all(table["flags"][~bad] == 0) and np.allclose(table["value"][~bad], np.sqrt(table["id"][~bad]))


def read_table(path):
    """A merged file as an astropy Table (Parquet through pyarrow: astropy needs pandas for it)."""
    from astropy.table import Table

    if str(path).endswith(".parquet"):
        import pyarrow.parquet as pq

        from polychrome.survey.parts import part_metadata

        arrow = pq.read_table(path)
        table = Table({name: arrow.column(name).to_numpy(zero_copy_only=False) for name in arrow.column_names})
        for name, unit in part_metadata(path)["units"].items():
            table[name].unit = unit or None
        return table
    return Table.read(path)


@pytest.mark.parametrize("suffix", [".fits", ".ecsv", ".parquet"])
def test_merge_writes_each_format_with_units(tmp_path, suffix):
    tasks = fake_tasks(5)
    run(tasks, FakeFitter(raise_for={2}), tmp_path / "out")
    path = tmp_path / f"table{suffix}"
    merge(tmp_path / "out", path)
    read = read_table(path)
    assert list(read["id"]) == expected_ids(tasks)
    assert str(read["value"].unit) == "adu"
    assert sum("forced failure" in str(m) for m in read["message"]) == 2
    with pytest.raises(FileExistsError):
        merge(tmp_path / "out", path)


def test_merge_of_an_empty_folder_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="no output parts"):
        merged_table(tmp_path)
    with pytest.raises(ValueError, match="suffix"):
        merge(tmp_path, tmp_path / "x.txt")


@pytest.fixture(scope="module")
def two_workers():
    distributed = pytest.importorskip("distributed")
    import cloudpickle
    import survey_fakes

    from polychrome.survey.dask_engine import local_client

    cloudpickle.register_pickle_by_value(survey_fakes)
    with local_client(2) as client:
        yield client
    cloudpickle.unregister_pickle_by_value(survey_fakes)
    del distributed


def test_dask_run_with_an_exception_and_a_worker_crash(tmp_path, two_workers):
    tasks = fake_tasks(24)
    run(tasks, FakeFitter(raise_for={5}, crash_for={17}), tmp_path, serial=False, client=two_workers)
    table = merged_table(tmp_path)
    assert list(table["id"]) == expected_ids(tasks)
    flags = {g: int(f) for g, f in zip(table["group_id"], table["flags"])}
    assert flags[5] == SourceFlag.EXCEPTION and flags[17] == SourceFlag.WORKER_CRASH
    assert all(flag == 0 for group, flag in flags.items() if group not in (5, 17))
    good = ~np.isin(table["group_id"], [5, 17])
    assert np.allclose(table["value"][good], np.sqrt(table["id"][good]))
    assert all("died" in m for m in table["message"][table["group_id"] == 17])


def test_dask_and_serial_runs_give_the_same_table(tmp_path, two_workers):
    tasks = fake_tasks(16, group_size=3)
    run(tasks, FakeFitter(), tmp_path / "dask", serial=False, client=two_workers)
    run(tasks, FakeFitter(), tmp_path / "serial")
    a, b = merged_table(tmp_path / "dask"), merged_table(tmp_path / "serial")
    assert list(a["id"]) == list(b["id"]) and np.array_equal(a["value"], b["value"])
