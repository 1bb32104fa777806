"""Time plan_groups (friends-of-friends + splitting + neighbours + tasks) on random catalogues.

python bench/survey_grouping.py [--sizes 1e5 1e6]: sources uniform on a patch at ~1e5 sources per
deg^2 (a deep survey), sizes log-normal around 0.5 arcsec, no images (PSF radius 0). Prints the
CPU seconds of the grouping alone and of the whole plan (GroupTasks built), and the group sizes.
"""

import argparse
import time

import numpy as np
from astropy.table import Table

from polychrome.survey.grouping import footprint_radii, friends_of_friends, plan_groups, unit_vectors
from polychrome.survey.model_spec import ModelSpec


def catalog_of(n, density=1e5, seed=0):
    rng = np.random.default_rng(seed)
    side = np.sqrt(n / density)  # deg, near the equator
    return Table({"id": np.arange(n), "ra": 150 + rng.uniform(0, side, n), "dec": rng.uniform(-side / 2, side / 2, n),
                  "size": np.exp(rng.normal(np.log(0.5), 0.5, n))})


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=float, nargs="+", default=[1e5, 1e6])
    args = parser.parse_args()
    spec = ModelSpec()
    for n in (int(s) for s in args.sizes):
        catalog = catalog_of(n)
        start = time.process_time()
        labels = friends_of_friends(unit_vectors(catalog["ra"], catalog["dec"]), footprint_radii(catalog, spec, 0.0))
        fof = time.process_time() - start
        start = time.process_time()
        tasks = plan_groups(catalog, [], spec)
        plan = time.process_time() - start
        sizes = np.bincount([t.size for t in tasks])
        print(f"{n:>9d} sources: friends-of-friends {fof:6.2f} s CPU, whole plan_groups {plan:6.2f} s CPU; "
              f"{len(tasks)} groups (largest {len(sizes) - 1}; {int(labels.max()) + 1} before splitting), "
              f"{sum(t.flags != 0 for t in tasks)} split parts")


if __name__ == "__main__":
    main()
