"""Instructions of the set-up, plan and end blocks of survey LM fits, one block at a time (callgrind_blocks).

CALLGRIND_BLOCKS=OUT valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=OUT \
    python bench/lm_fit_blocks.py FOLDER [REPEAT]
(FOLDER: a field of bench/survey.py; the first 20 groups' fits, as lm_fit_overhead.py collects them;
thousands of instructions per fit for each block.)
"""
import sys, pathlib, contextlib
sys.path.insert(0, str(pathlib.Path(__file__).parent))
import lm_python_pieces as P
import callgrind_blocks as cb
import polychrome as pc
from polychrome.fit import lm
from polychrome.fit.model_problem import ModelProblem
from polychrome.fit.total_flux_problem import sersic_flux_links
from polychrome.param import FreeParameters
lmm = P.lmm
fits = P.lm_fit_overhead._collect(pathlib.Path(sys.argv[1]), 20)
pc.set_threads(1)
for _, free, values in fits:
    free.set_values(values)
held = contextlib.ExitStack()
for fitter, _, _ in fits:
    held.enter_context(fitter.model.automatic_windows_held())
frees = [FreeParameters(f.model.all_parameters()) for f, _, _ in fits]
probs = [ModelProblem(f.model, keep_model_current=False, free=fr, checked=True) for (f, _, _), fr in zip(fits, frees)]
names = [f.model._column_names(p.free) for (f, _, _), p in zip(fits, probs)]
idx = [f._log_indices(p.free, n) for (f, _, _), p, n in zip(fits, probs, names)]
links = [sersic_flux_links(f.model, p.free, p.components) for (f, _, _), p in zip(fits, probs)]
starts = [p.free.get_values() for p in probs]
fitted = [lm.fitted_problem(p, s, i, n, l) for p, s, i, n, l in zip(probs, starts, idx, names, links)]
eqs = [fp.normal_equations(y0) for fp, y0, w in fitted]
B = cb.Blocks(repeat=int(sys.argv[2]) if len(sys.argv) > 2 else 5, per=len(fits))
def each(fn): return lambda: [fn(k) for k in range(len(fits))]
B.measure("FreeParameters", each(lambda k: FreeParameters(fits[k][0].model.all_parameters())))
B.measure("ModelProblem", each(lambda k: ModelProblem(fits[k][0].model, keep_model_current=False, free=frees[k], checked=True)))
B.measure("get_values", each(lambda k: probs[k].free.get_values()))
B.measure("column_names", each(lambda k: fits[k][0].model._column_names(probs[k].free)))
B.measure("log_indices", each(lambda k: fits[k][0]._log_indices(probs[k].free, names[k])))
B.measure("flux_links", each(lambda k: sersic_flux_links(fits[k][0].model, probs[k].free, probs[k].components)))
B.measure("fitted_problem", each(lambda k: lm.fitted_problem(probs[k], starts[k], idx[k], names[k], links[k])))
B.measure("limits", each(lambda k: fitted[k][0].limits()))
B.measure("box", each(lambda k: lmm._Box(starts[k].size, *fitted[k][0].limits())))
B.measure("covariance_from", each(lambda k: lmm.covariance_from(eqs[k].hessian)))
B.measure("_finish", each(lambda k: lmm._finish("success", fitted[k][1], eqs[k], 5, probs[k].size)))
B.measure("result_map", each(lambda k: lm.result_in_model_space(lmm._finish("success", fitted[k][1], eqs[k], 5, probs[k].size), fitted[k][2])))
B.measure("set_uncertainties", each(lambda k: probs[k].free.set_uncertainties(abs(starts[k]) * 0.1)))
B.measure("plan", each(lambda k: probs[k]._build_plans()))
B.report()
held.close()
