"""Survey fits with ModelSpec.log_parameters off and on, in one process: evaluations, flags, values.

    python bench/survey_log_steps.py FOLDER     (a field of bench/survey.py, e.g. a copy of
                                                 bench/output/survey/isolated1-*, with its paths.json)

Prints the normal-equation + chi^2 evaluations per source of both modes, the flags that differ,
per column |log - linear| / sigma (median, 95th percentile, max over sources unflagged in both)
with the ratio of the two modes' uncertainties, and the chi^2 differences.
"""
import json, pathlib, sys
import numpy as np
from astropy.table import Table
sys.path.insert(0, str(pathlib.Path(__file__).parent))
import survey
import polychrome as pc
from polychrome.fit import model_problem
from polychrome.survey.group_fit import GroupFitter
from polychrome.survey.grouping import plan_groups
from polychrome.survey.image_spec import ImageSpec
from polychrome.survey.model_spec import ModelSpec
pc.set_threads(1)
folder = pathlib.Path(sys.argv[1])
paths = json.loads((folder / "paths.json").read_text())
catalog = Table.read(paths["catalog"])
images = [ImageSpec.from_dict(d) for d in paths["images"]]
count = [0]
ne0, c0 = model_problem.ModelProblem._terms_at, model_problem.ModelProblem._chi2_at  # (every evaluation, wrapped or not)
def ne(self, x): count[0] += 1; return ne0(self, x)
def c2(self, x): count[0] += 1; return c0(self, x)
model_problem.ModelProblem._terms_at = ne; model_problem.ModelProblem._chi2_at = c2
out = {}
for mode, logs in (("linear", ()), ("log", ("n", "Re", "sigma", "Rd"))):
    spec = ModelSpec.from_dict({**survey.ISOLATED_MODEL, "log_parameters": logs})
    fitter = GroupFitter(images, spec)
    tasks = plan_groups(catalog, images, spec)
    rows, evals = [], []
    for t in tasks:
        count[0] = 0
        r = fitter.fit(t)
        rows += r
        evals += [count[0] / len(r)] * len(r)
    out[mode] = (rows, np.array(evals))
lin, log = out["linear"][0], out["log"][0]
ev_l, ev_g = out["linear"][1], out["log"][1]
print(folder.name, "evaluations per source: linear mean %.2f median %.1f; log mean %.2f median %.1f" % (ev_l.mean(), np.median(ev_l), ev_g.mean(), np.median(ev_g)))
fl = np.array([r["flags"] for r in lin]); fg = np.array([r["flags"] for r in log])
print("flagged: linear %d, log %d; differ at %s" % ((fl != 0).sum(), (fg != 0).sum(), [(i, int(fl[i]), int(fg[i]), lin[i]["message"][:80], log[i]["message"][:80]) for i in np.flatnonzero(fl != fg)]))
keys = [k for k in lin[0] if k + "_err" in lin[0]]
ok = (fl == 0) & (fg == 0)
for k in keys:
    a = np.array([float(r[k]) for r in lin]); b = np.array([float(r[k]) for r in log])
    s = np.array([float(r[k + "_err"]) for r in lin]); sb = np.array([float(r[k + "_err"]) for r in log])
    d = np.abs(a - b)
    if k == "PA":
        d = np.minimum(d % np.pi, np.pi - d % np.pi)
    z = (d / s)[ok]; z = z[np.isfinite(z)]
    e = (sb / s)[ok]; e = e[np.isfinite(e)]
    print(f"  {k:12s} |diff|/sigma median {np.median(z):.3g} p95 {np.percentile(z, 95):.3g} max {z.max():.3g};  sigma_log/sigma_lin median {np.median(e):.4f} range [{e.min():.3f}, {e.max():.3f}]")
chi_l = np.array([float(r["chi2"]) for r in lin]); chi_g = np.array([float(r["chi2"]) for r in log])
dc = (chi_g - chi_l)[np.isfinite(chi_l) & np.isfinite(chi_g)]
print("  chi2 log - linear: median %.3g, min %.3g, max %.3g; log higher by > 0.1 in %d of %d" % (np.median(dc), dc.min(), dc.max(), (dc > 0.1).sum(), dc.size))
big = [i for i in range(len(lin)) if abs(chi_g[i] - chi_l[i]) > 0.1 or fl[i] != fg[i] or abs(float(lin[i]["Re"]) - float(log[i]["Re"])) > 0.5 * float(lin[i]["Re_err"])]
for i in big:
    print("   src %d flags %d/%d chi2 %.2f/%.2f  n %.3f+-%.3g / %.3f+-%.3g  Re %.4g+-%.3g / %.4g+-%.3g  q %.3f/%.3f iters %s/%s  %s | %s" % (i, fl[i], fg[i], chi_l[i], chi_g[i], lin[i]["n"], lin[i]["n_err"], log[i]["n"], log[i]["n_err"], lin[i]["Re"], lin[i]["Re_err"], log[i]["Re"], log[i]["Re_err"], lin[i]["q"], log[i]["q"], lin[i].get("iterations"), log[i].get("iterations"), lin[i]["message"][:60], log[i]["message"][:60]))

