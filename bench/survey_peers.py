"""Per-source time and magnitude accuracy of polychrome and its peers on the same survey cutouts.

    python bench/survey_peers.py                       # 150 galaxies, every peer that is installed
    python bench/survey_peers.py --galaxies 100 --peers polychrome,pyimfit
    python bench/survey_peers.py --peers sextractor

Installing the peers (each is optional: one that is missing is reported and skipped):

    pip install pyimfit
    pip install torch==2.13.0 && pip install astrophot      # torch first (CPU wheel); AstroPhot 0.18 API
    apt-get install -y source-extractor psfex

The field: one band of 0.1" pixels (PSF: Moffat FWHM 0.3", beta 3.5; the PSF
file sampled at the pixel centres), galaxies and 15% stars on a grid of 10"
cells (isolated, none on an edge), magnitudes 19-25 with realistic counts
(polychrome.survey.simulate, polychrome renderer; cached under bench/output/).
The first ``--galaxies`` galaxies are the subset. Every fitter gets the same
thing:

- polychrome, pyimfit, AstroPhot: the same 48 x 48 pixel cutout around the
  catalogue position (astropy Cutout2D), the image's PSF file, the noise
  sigma (median of the weight map's in the cutout), one Sersic, no sky (the
  simulated sky is 0), the same start from the noisy catalogue (position,
  size as Re, q, PA, mag; n = 2). Each fitter runs in its own process on one
  thread (pyimfit maxThreads=1, torch.set_num_threads(1), polychrome threads(1)),
  and each fit is timed in process CPU seconds.
- polychrome pipeline: GroupFitter (the survey pipeline's per-group fit:
  cutouts from the FITS files, initialize(), a flat sky, LM, errors) over all
  the groups of the field, plain loop, CPU per source.
- SExtractor: psfex on a first source-extractor pass (VIGNET 35 x 35,
  stars and galaxies alike, as a user would run it), then source-extractor with
  the PSF model fitting a Sersic spheroid (MAG_SPHEROID, SPHEROID_SERSICN
  free) on the whole image with the weight map; the CPU of that second pass
  divided by the sources it measured; detections matched to the truth
  within 0.3". Its default background estimation is on.

Reported per fitter: sources fitted, CPU ms per source, median and scatter
(half the 16-84% range) of mag - true mag over the subset's galaxies, and
the count of failures (no fit, or |mag - true| > 1). Run on an idle machine.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

CUTOUT = 48                  # pixels
START_N = 2.0
MATCH_RADIUS = 0.3           # arcsec
PEERS = ("polychrome", "pyimfit", "astrophot", "pipeline", "sextractor")
FIELD = dict(n_sources=225, field_size=150.0, seed=77, layout="grid", star_fraction=0.15, blend_fraction=0.0,
             masks=False)


def peers_field():
    from polychrome.survey.sim_bands import DEFAULT_BANDS

    import survey_runs

    return survey_runs.field("peers", bands=DEFAULT_BANDS[:1], **FIELD)


def _read(path):
    from astropy.table import Table

    table = Table.read(path, mask_invalid=False)
    table.convert_bytestring_to_unicode()
    return table


def cutouts(paths, count):
    """[(id, data, sigma, start Sersic in cutout pixels)] for the first ``count`` galaxies, the
    zeropoint and the PSF array."""
    from astropy.coordinates import SkyCoord
    from astropy.io import fits
    from astropy.nddata import Cutout2D
    from astropy.wcs import WCS

    from peers_common import Sersic
    from polychrome.survey.sim_render import sersic_ie

    image = paths["images"][0]
    data, header = fits.getdata(image["data"]).astype(float), fits.getheader(image["data"])
    weight = fits.getdata(image["weight"]).astype(float)
    wcs = WCS(header)
    catalog, truth = _read(paths["catalog"]), _read(paths["truth"])
    zeropoint = float(image["zeropoint"])
    scale = math.sqrt(abs(np.linalg.det(wcs.pixel_scale_matrix))) * 3600.0
    out = []
    for row, true in zip(catalog, truth):
        if true["kind"] != "galaxy" or len(out) >= count:
            continue
        px, py = wcs.world_to_pixel(SkyCoord(row["ra"], row["dec"], unit="deg"))
        cut = Cutout2D(data, (float(px), float(py)), (CUTOUT, CUTOUT), mode="strict")
        sigma = float(np.median(1.0 / np.sqrt(weight[cut.slices_original])))
        cx, cy = cut.to_cutout_position((float(px), float(py)))
        re, q = float(row["size"]) / scale, float(row["q"])
        flux = 10 ** (-0.4 * (float(row["mag"]) - zeropoint))
        # this band is not turned: the pixel +x is West, so PA from +x = pa (east of north) + 90 deg
        start = Sersic(x=cx + 0.5, y=cy + 0.5, q=q, PA=math.radians(float(row["pa"]) + 90.0) % math.pi, n=START_N,
                       Re=re, Ie=sersic_ie(flux, re, START_N, q))
        out.append((int(row["id"]), cut.data.copy(), sigma, start))
    return out, zeropoint, fits.getdata(image["psf"]).astype(float)


def _fit_with(fitter_name):
    import peers_fit

    return {"polychrome": peers_fit.fit_polychrome, "pyimfit": peers_fit.fit_pyimfit,
            "astrophot": peers_fit.fit_astrophot}[fitter_name]


def run_cutout_peer(name, count):
    """Fit every cutout with one peer in this process; per source: id, mag, CPU seconds."""
    if name == "polychrome":
        from polychrome import set_threads

        set_threads(1)
    fitter = _fit_with(name)
    items, zeropoint, psf = cutouts(peers_field(), count)
    results = []
    for source_id, data, sigma, start in items:
        cpu = time.process_time()
        try:
            _, best, iterations = fitter(data, sigma, psf, start, 1)
            flux = best.total_flux()
            mag = zeropoint - 2.5 * math.log10(flux) if flux > 0 else math.nan
        except ImportError:
            raise
        except Exception as error:  # a peer that fails on one source: a failure, the run goes on
            mag, iterations = math.nan, -1
            print(f"{name}: source {source_id}: {type(error).__name__}: {error}", file=sys.stderr)
        results.append({"id": source_id, "mag": mag, "cpu": time.process_time() - cpu})
    return {"name": name, "results": results}


def run_pipeline(count):
    """The survey pipeline's GroupFitter over every group of the field (plain loop)."""
    import survey_runs

    from survey import ISOLATED_MODEL

    out = os.path.join(HERE, "output", "survey", "runs", "peers-pipeline")
    result = survey_runs.run_loop(peers_field(), ISOLATED_MODEL, out)
    rows = _read(os.path.join(out, "rows.fits"))
    per_source = result["cpu"] / max(result["sources"], 1)
    return {"name": "pipeline", "results": [{"id": int(r["id"]), "mag": float(r["mag_vis"]), "cpu": per_source}
                                            for r in rows]}


def _sextractor_files(folder, image, psf_name=None):
    """Write source-extractor's parameter files into ``folder``; return the common arguments."""
    first = ["VIGNET(35,35)", "X_IMAGE", "Y_IMAGE", "FLUX_APER", "FLUXERR_APER", "FLUX_RADIUS", "ELONGATION",
             "FLAGS", "SNR_WIN"]
    second = ["NUMBER", "X_IMAGE", "Y_IMAGE", "ALPHA_J2000", "DELTA_J2000", "MAG_AUTO", "MAG_MODEL", "MAGERR_MODEL",
              "MAG_SPHEROID", "SPHEROID_REFF_IMAGE", "SPHEROID_SERSICN", "SPHEROID_ASPECT_IMAGE",
              "SPHEROID_THETA_IMAGE", "CHI2_MODEL", "NITER_MODEL", "FLAGS", "FLAGS_MODEL"]
    for name, params in (("psf.param", first), ("model.param", second)):
        with open(os.path.join(folder, name), "w") as handle:
            handle.write("\n".join(params) + "\n")
    return ["-WEIGHT_TYPE", "MAP_WEIGHT", "-WEIGHT_IMAGE", image["weight"], "-MAG_ZEROPOINT", str(image["zeropoint"]),
            "-FILTER_NAME", "/usr/share/source-extractor/default.conv",
            "-STARNNW_NAME", "/usr/share/source-extractor/default.nnw", "-PIXEL_SCALE", "0",
            "-GAIN", "0", "-SATUR_LEVEL", "1e9", "-VERBOSE_TYPE", "QUIET"]


def _children_cpu():
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_sextractor(count):
    """psfex + source-extractor's Sersic model fitting on the whole image; matched to the truth."""
    import shutil

    from astropy.coordinates import SkyCoord
    from astropy.table import Table

    if not (shutil.which("source-extractor") and shutil.which("psfex")):
        raise ImportError("source-extractor / psfex", name="source-extractor")
    paths = peers_field()
    image = paths["images"][0]
    folder = os.path.join(HERE, "output", "survey", "runs", "peers-sextractor")
    os.makedirs(folder, exist_ok=True)
    common = _sextractor_files(folder, image)
    run = dict(cwd=folder, check=True, capture_output=True)
    subprocess.run(["source-extractor", image["data"], "-c", "/usr/share/psfex/prepsfex.sex", "-CATALOG_NAME",
                    "prepsfex.cat", "-PARAMETERS_NAME", "psf.param", *common], **run)
    subprocess.run(["psfex", "prepsfex.cat", "-c", "/usr/share/psfex/default.psfex", "-PSF_SIZE", "35,35",
                    "-CHECKPLOT_TYPE", "NONE", "-CHECKIMAGE_TYPE", "NONE", "-WRITE_XML", "N", "-VERBOSE_TYPE",
                    "QUIET"], **run)
    cpu = _children_cpu()
    wall = time.perf_counter()
    subprocess.run(["source-extractor", image["data"], "-CATALOG_NAME", "model.fits", "-CATALOG_TYPE", "FITS_1.0",
                    "-PARAMETERS_NAME", "model.param", "-PSF_NAME", "prepsfex.psf", "-DETECT_THRESH", "3",
                    *common], **run)
    cpu, wall = _children_cpu() - cpu, time.perf_counter() - wall
    detected = Table.read(os.path.join(folder, "model.fits"))
    truth = _read(paths["truth"])
    found = SkyCoord(np.asarray(detected["ALPHA_J2000"], float), np.asarray(detected["DELTA_J2000"], float),
                     unit="deg")
    index, separation, _ = SkyCoord(truth["ra"], truth["dec"], unit="deg").match_to_catalog_sky(found)
    per_source = cpu / max(len(detected), 1)
    results = []
    for k, row in enumerate(truth):
        hit = separation[k].arcsec < MATCH_RADIUS
        results.append({"id": int(row["id"]), "mag": float(detected["MAG_SPHEROID"][index[k]]) if hit else math.nan,
                        "cpu": per_source})
    return {"name": "sextractor", "results": results, "detected": len(detected), "wall": wall}


def child(name, count):
    try:
        if name == "pipeline":
            result = run_pipeline(count)
        elif name == "sextractor":
            result = run_sextractor(count)
        else:
            result = run_cutout_peer(name, count)
    except ImportError as error:
        result = {"name": name, "skipped": f"not installed ({error.name})"}
    print(json.dumps(result))


def _run(name, count):
    process = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", name, str(count)],
                             capture_output=True, text=True)
    if process.returncode != 0:
        return {"name": name, "skipped": f"failed: {process.stderr.strip().splitlines()[-1:]}"}
    return json.loads(process.stdout.strip().splitlines()[-1])


def report(outcomes, count):
    from polychrome.survey.truth_match import median, width68

    truth = _read(peers_field()["truth"])
    subset = [int(i) for i, kind in zip(truth["id"], truth["kind"]) if kind == "galaxy"][:count]
    true_mag = {int(i): float(m) for i, m in zip(truth["id"], truth["mag_vis"])}
    print(f"{len(subset)} galaxies (true vis mag {min(true_mag[i] for i in subset):.1f} to "
          f"{max(true_mag[i] for i in subset):.1f}), 48 x 48 cutouts of 0.1\" pixels\n")
    print("| fitter | sources fitted | CPU ms / source | mag - true: median | scatter | failures |")
    print("|---|---|---|---|---|---|")
    for outcome in outcomes:
        if "skipped" in outcome:
            print(f"| {outcome['name']} | skipped: {outcome['skipped']} | | | | |")
            continue
        by_id = {r["id"]: r for r in outcome["results"]}
        dmag = np.array([by_id[i]["mag"] - true_mag[i] if i in by_id else math.nan for i in subset])
        failures = int(np.sum(~np.isfinite(dmag) | (np.abs(dmag) > 1.0)))
        cpu = [by_id[i]["cpu"] for i in subset if i in by_id]
        good = dmag[np.isfinite(dmag) & (np.abs(dmag) <= 1.0)]
        print(f"| {outcome['name']} | {int(np.sum(np.isfinite(dmag)))} | {1000 * float(np.mean(cpu)):.1f} | "
              f"{median(good):+.4f} | {width68(good):.4f} | {failures} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--galaxies", type=int, default=150, help="galaxies in the subset (at most ~190)")
    parser.add_argument("--peers", default=",".join(PEERS), help=f"comma-separated of {', '.join(PEERS)}")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    print(f"load average at start: {os.getloadavg()}")
    print(f"command: python bench/survey_peers.py {' '.join(sys.argv[1:])}\n")
    peers_field()                      # simulate once, before any timing
    outcomes = [_run(name, args.galaxies) for name in args.peers.split(",")]
    report(outcomes, args.galaxies)


if __name__ == "__main__":
    main()
