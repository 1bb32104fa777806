"""The survey demo: simulate a small multi-band field, fit its catalogue, write the table and a picture.

    polychrome demo [--out DIR] [--sources N] [--workers N]
    python examples/survey_demo.py
    python -c "from polychrome.survey.demo import run_demo; run_demo('polychrome-demo')"

Two images of one patch of sky (0.1" pixels with a 0.3" PSF, 0.2" pixels
turned by 30 degrees with 0.7"; the 0.4" band of simulate_field's default
is left out for time), a few hundred galaxies and stars, a tenth of them in
close pairs, some on the edges; the catalogue's first guesses are noisy. Each source is fitted as a Sersic galaxy or a point
source (the smaller BIC), shape shared by the bands, flux per band, on a
LocalCluster. Writes into ``out``: field/ (the FITS images, catalogue and
truth), fit/ (the pipeline's Parquet parts), table.fits (one row per
source), mosaic.png (data / model / residual per band) and prints a summary.
"""

import os
import time
import warnings

from .sim_bands import DEFAULT_BANDS
from .simulate import simulate_field
from .truth_match import summary

DEMO_BANDS = DEFAULT_BANDS[:2]
# footprints of 2x the catalogue size (+ the PSF): fewer, smaller groups than the default 3x in this dense field
DEMO_MODEL = {"candidates": ["sersic galaxy model", "point model"], "limits": {"n": [0.36, 8.0]},
              "footprint_scale": 2.0, "time_budget": 30.0}


def _print_summary(result, band, seconds, cpu_seconds, workers):
    rate = result["n_sources"] / seconds if seconds > 0 else float("nan")
    print(f"polychrome demo: {result['n_sources']} sources fitted in {seconds:.1f} s on {workers} worker(s) "
          f"({rate:.1f} sources/s, {result['n_sources'] / cpu_seconds:.1f} per CPU-second of fitting)"
          if cpu_seconds > 0 else f"polychrome demo: {result['n_sources']} sources in {seconds:.1f} s")
    print(f"  flagged: {result['n_flagged']} ({100 * result['flagged_fraction']:.1f}%), "
          f"missing rows: {result['missing']}"
          + (f", star/galaxy choice right for {100 * result['kind_agreement']:.0f}%" if "kind_agreement" in result else ""))
    print(f"  {result['n_bright']} unflagged galaxies brighter than {band} = 23 against the truth: "
          f"mag bias {result['mag_bias']:+.3f} scatter {result['mag_scatter']:.3f}; "
          f"Re bias {100 * result['Re_bias']:+.1f}% scatter {100 * result['Re_scatter']:.1f}%; "
          f"pull widths mag {result['mag_pull']:.2f} Re {result['Re_pull']:.2f}")


def run_demo(out="polychrome-demo", *, n_sources=300, n_workers=2, seed=1, field_size=90.0, bands=DEMO_BANDS,
             serial=False, progress=True, chunk_seconds=5.0):
    """Simulate a field, fit its catalogue with the survey pipeline, write the table and the mosaic.

    out: output folder (created; a rerun starts the fit over). n_sources:
    sources in the field (about 300 fit in about a minute on 2 cores);
    n_workers: LocalCluster worker processes (serial=True: in this process
    instead); seed: the field's random seed; field_size: side of the field,
    arcsec; bands: sim_bands.Band list (default: 0.1" and 0.2" turned
    pixels); progress: show the progress bar; chunk_seconds: target seconds
    of one Dask task (small here so that both workers get work).

    Returns a dict: table, mosaic, truth, catalog (paths), summary (the
    numbers printed: see truth_match.summary) and seconds (wall, the fit).
    """
    from astropy.table import Table
    from astropy.utils.exceptions import AstropyWarning

    from .field_mosaic import field_mosaic
    from .pipeline import fit_catalog

    out = os.fspath(out)
    os.makedirs(out, exist_ok=True)
    field = simulate_field(os.path.join(out, "field"), bands=bands, n_sources=n_sources, field_size=field_size,
                           seed=seed, renderer="polychrome")
    start = time.perf_counter()
    table = fit_catalog(field["catalog"], field["images"], DEMO_MODEL, os.path.join(out, "fit"),
                        n_workers=n_workers, serial=serial, restart=True, progress=progress,
                        chunk_seconds=chunk_seconds)
    seconds = time.perf_counter() - start
    paths = {"table": os.path.join(out, "table.fits"), "mosaic": os.path.join(out, "mosaic.png"),
             "truth": field["truth"], "catalog": field["catalog"]}
    with warnings.catch_warnings():   # FITS has no unit "flux" and wants short keywords: said, not fatal
        warnings.simplefilter("ignore", AstropyWarning)
        table.write(paths["table"], overwrite=True)
    field_mosaic(table, field["images"], paths["mosaic"])
    truth = Table.read(field["truth"], mask_invalid=False)
    truth.convert_bytestring_to_unicode()
    reference = field["bands"][0]
    numbers = summary(table, truth, reference)
    cpu = float(sum(v for v in table["cpu_time"] if v == v)) if "cpu_time" in table.colnames else 0.0
    _print_summary(numbers, reference, seconds, cpu, 1 if serial else n_workers)
    print(f"  wrote {paths['table']} and {paths['mosaic']}")
    return {**paths, "summary": numbers, "seconds": seconds}
