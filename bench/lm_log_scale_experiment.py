"""Experiment for issue 11's LM tail: the survey's fits stepping in ln n (and ln Re) instead of n and Re.

    python bench/lm_log_scale_experiment.py bench/output/survey/isolated1-* 120 plain
    python bench/lm_log_scale_experiment.py bench/output/survey/isolated1-* 120 logn
    python bench/lm_log_scale_experiment.py bench/output/survey/isolated1-* 120 logn_re

Wraps the LM call of fit.LM (not the library itself): the wrapped problem takes ln n (and ln Re)
for the Sersic index and radius, scales their Jacobian columns by n and Re, maps the limits, and
maps the result's covariance back. Prints the evaluations per fit (normal equations + chi^2) and
the flagged count, and saves (evaluations, final chi^2) per fit to /tmp/logfit_MODE.npy so that
two modes' final chi^2 can be compared fit by fit. (Now a library feature: fit.LM's log_parameters,
ModelSpec.log_parameters, on by default in the survey; this script turns that off to compare.) FOLDER is a field of bench/survey.py (run
``python bench/survey.py --cases isolated1 --isolated 200`` once to make it).
"""
import json, sys, pathlib, collections
import numpy as np
from astropy.table import Table
sys.path.insert(0, str(pathlib.Path(__file__).parent))
import survey
import polychrome as pc
import importlib
lmmod = importlib.import_module("polychrome.fit.lm")
lmcore = importlib.import_module("polychrome.fit.levenberg_marquardt")
from polychrome.fit.normal_equations import NormalEquations
from polychrome.survey.image_spec import ImageSpec
from polychrome.survey.model_spec import ModelSpec
from polychrome.survey.grouping import plan_groups
from polychrome.survey.group_fit import GroupFitter
pc.set_threads(1)
MODE = sys.argv[3]
orig = lmcore.levenberg_marquardt
stats = []
class Wrapped:
    def __init__(self, p, idx):
        self.p, self.idx = p, idx
    def outer(self, x):
        x = np.array(x, float); x[self.idx] = np.exp(x[self.idx]); return x
    def inner(self, x):
        x = np.array(x, float); x[self.idx] = np.log(x[self.idx]); return x
    def normal_equations(self, xi):
        x = self.outer(xi); ne = self.p.normal_equations(x)
        s = np.ones(x.size); s[self.idx] = x[self.idx]
        stats[-1]["ne"] += 1
        return NormalEquations(ne.chi2, ne.ndata, ne.gradient * s, ne.hessian * s[:, None] * s[None, :])
    def chi2(self, xi):
        stats[-1]["c2"] += 1
        return self.p.chi2(self.outer(xi))
    def after_accepted_step(self, xi): return self.p.after_accepted_step(self.outer(xi))
    def restore(self, xi): return self.p.restore(self.outer(xi))
def wrapper(problem, x0, lower, upper, cyclic, normalise=None, **opt):
    names = problem.model._column_names(problem.free)
    idx = [i for i, n in enumerate(names) if n.endswith(":n") or (MODE == "logn_re" and n.endswith(":Re"))]
    stats.append({"ne": 0, "c2": 0})
    if MODE == "plain" or not idx:
        class Count:
            def __getattr__(s, k): return getattr(problem, k)
            def normal_equations(s, x): stats[-1]["ne"] += 1; return problem.normal_equations(x)
            def chi2(s, x): stats[-1]["c2"] += 1; return problem.chi2(x)
        r = orig(Count(), x0, lower, upper, cyclic, normalise=normalise, **opt)
        stats[-1]["chi2"] = r.chi2; return r
    w = Wrapped(problem, idx)
    lo = np.array(lower, float); hi = np.array(upper, float)
    lo[idx] = np.log(np.maximum(lo[idx], 1e-300)); hi[idx] = np.log(hi[idx])
    norm = (lambda xi: w.inner(normalise(w.outer(xi)))) if normalise else None
    r = orig(w, w.inner(x0), lo, hi, cyclic, normalise=norm, **opt)
    x = w.outer(r.x); s = np.ones(x.size); s[idx] = x[idx]
    r.x = x; r.covariance = r.covariance * s[:, None] * s[None, :]
    r.uncertainties = np.sqrt(np.maximum(np.diag(r.covariance), 0)); r.hessian = r.hessian / s[:, None] / s[None, :]
    stats[-1]["chi2"] = r.chi2
    return r
lmmod.levenberg_marquardt = wrapper
# (fit.LM calls levenberg_marquardt_checked with its options checked once, an LMOptions)
lmmod.levenberg_marquardt_checked = (lambda problem, x0, lower, upper, cyclic, options, print_function=print,
                                     normalise=None: wrapper(problem, x0, lower, upper, cyclic, normalise=normalise,
                                                             **options._asdict()))
folder = pathlib.Path(sys.argv[1])
paths = json.loads((folder / "paths.json").read_text())
catalog = Table.read(paths["catalog"])
images = [ImageSpec.from_dict(d) for d in paths["images"]]
spec = ModelSpec.from_dict({**survey.ISOLATED_MODEL, "log_parameters": []})  # the wrapper does the ln steps (the library default is off here)
tasks = plan_groups(catalog, images, spec)
fitter = GroupFitter(images, spec)
rows = []
for t in tasks[:int(sys.argv[2])]:
    rows += fitter.fit(t)
ev = np.array([s["ne"] + s["c2"] for s in stats]); chi = np.array([s["chi2"] for s in stats])
np.save(f"/tmp/logfit_{MODE}.npy", np.c_[ev, chi])
print(MODE, "fits", len(stats), "evals mean %.2f median %.1f p90 %.1f" % (ev.mean(), np.median(ev), np.percentile(ev, 90)), "flagged", sum(r["flags"] != 0 for r in rows))
