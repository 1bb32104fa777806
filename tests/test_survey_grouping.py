"""plan_groups against a brute-force O(N^2) friends-of-friends, splitting, neighbours, determinism."""

import numpy as np
import pytest
from astropy.table import Table
from scipy.sparse.csgraph import connected_components

from polychrome.survey.flags import SourceFlag
from polychrome.survey.grouping import ARCSEC, footprint_radii, plan_groups, unit_vectors
from polychrome.survey.model_spec import ModelSpec


def _catalog(n, seed=0, ra0=10.0, dec0=-30.0, side=0.05):
    """Clustered sources (half in small clumps) on a patch of ``side`` deg, sizes 0.2-2 arcsec."""
    rng = np.random.default_rng(seed)
    ra = ra0 + rng.uniform(-side, side, n) / np.cos(np.radians(dec0))
    dec = dec0 + rng.uniform(-side, side, n)
    clumps = rng.integers(0, n, n // 2)
    ra[: n // 2] = ra[clumps] + rng.normal(0, 3 / 3600, n // 2)
    dec[: n // 2] = dec[clumps] + rng.normal(0, 3 / 3600, n // 2)
    size = rng.uniform(0.2, 2.0, n)
    size[rng.random(n) < 0.1] = np.nan  # default size
    return Table({"id": np.arange(100, 100 + n), "ra": np.mod(ra, 360), "dec": dec, "size": size})


def _brute_force_labels(catalog, radii):
    xyz = unit_vectors(catalog["ra"], catalog["dec"])
    angle = np.arccos(np.clip(xyz @ xyz.T, -1, 1)) / ARCSEC
    linked = angle < radii[:, None] + radii[None, :]
    _, labels = connected_components(linked, directed=False)
    _, first = np.unique(labels, return_index=True)  # number by first member, as plan_groups
    rank = np.empty(len(first), int)
    rank[np.argsort(first)] = np.arange(len(first))
    return rank[labels], angle


def _labels_of(tasks, catalog):
    index = {i: k for k, i in enumerate(catalog["id"])}
    labels = np.full(len(catalog), -1)
    for task in tasks:
        for source in task.sources:
            labels[index[source["id"]]] = task.group_id
    return labels


@pytest.mark.parametrize("ra0,dec0", [(10.0, -30.0), (0.0, 5.0), (200.0, 89.9)])
def test_same_partition_as_brute_force(ra0, dec0):
    catalog = _catalog(3000, ra0=ra0, dec0=dec0)
    spec = ModelSpec(max_group_size=10_000)
    tasks = plan_groups(catalog, [], spec)
    radii = footprint_radii(catalog, spec, 0.0)
    expected, angle = _brute_force_labels(catalog, radii)
    assert np.array_equal(_labels_of(tasks, catalog), expected)
    assert [t.group_id for t in tasks] == list(range(len(tasks)))
    assert max(t.size for t in tasks) > 5 and sum(t.size for t in tasks) == len(catalog)
    index = {i: k for k, i in enumerate(catalog["id"])}
    xyz = unit_vectors(catalog["ra"], catalog["dec"])
    for task in tasks[::7]:
        centre = unit_vectors([task.center[0]], [task.center[1]])[0]
        distance = np.degrees(np.arccos(np.clip(xyz @ centre, -1, 1))) * 3600
        members = [index[s["id"]] for s in task.sources]
        assert np.all(distance[members] + radii[members] <= task.radius + 1e-6)  # cutouts hold the footprints
        reach = (distance < task.radius * np.sqrt(2) + radii) & (expected != task.group_id)
        assert sorted(index[s["id"]] for s in task.neighbours) == list(np.flatnonzero(reach))
        assert all(abs(s["footprint"] - radii[index[s["id"]]]) < 1e-12 for s in task.sources)


def test_large_groups_are_split_and_flagged():
    rng = np.random.default_rng(2)
    n = 60
    clump = Table({"id": np.arange(n), "ra": 50 + rng.normal(0, 2 / 3600, n), "dec": rng.normal(0, 2 / 3600, n)})
    spec = ModelSpec(max_group_size=8)
    tasks = plan_groups(clump, [], spec)
    assert len(tasks) >= n // 8 and all(t.size <= 8 for t in tasks)
    assert all(t.flags == SourceFlag.GROUP_SPLIT for t in tasks)
    assert sorted(s["id"] for t in tasks for s in t.sources) == list(range(n))
    for task in tasks:  # the other parts of the clump lie on this part's cutouts
        assert len(task.neighbours) > 0
        assert not {s["id"] for s in task.neighbours} & {s["id"] for s in task.sources}
    again = plan_groups(clump, [], spec)
    assert again == tasks  # deterministic


def test_isolated_sources_and_empty_catalogue():
    catalog = Table({"id": [1, 2], "ra": [10.0, 10.1], "dec": [0.0, 0.0]})
    tasks = plan_groups(catalog, [], ModelSpec())
    assert [t.size for t in tasks] == [1, 1] and all(t.flags == 0 and not t.neighbours for t in tasks)
    assert tasks[0].sources[0]["footprint"] == pytest.approx(3.0)  # footprint_scale * default_size, no PSF
    assert plan_groups(catalog[:0], [], ModelSpec()) == []
    catalog["size"] = [1e4, np.nan]  # a wrong size does not make a cutout of the whole sky
    tasks = plan_groups(catalog, [], ModelSpec(max_footprint=30.0))
    assert tasks[0].sources[0]["footprint"] == 30.0 and tasks[0].radius == pytest.approx(31.0)
