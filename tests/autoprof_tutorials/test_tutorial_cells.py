"""The AutoProf-era tutorials run cell by cell (issue 13): no more cells raise than recorded here.

Each tutorial's extract (see cells.py) runs in a fresh namespace; the test
fails when a cell raises that is not in RECORDED (a regression), naming it
and why. Cells recorded as failing that now run are reported (update the
record). Causes as recorded on 2026-12-02 (after the PSF models, the MGE,
the Gaussian ellipsoid, the Nuker's negative gamma, set_aux_psf / psf_upscale,
psf_mode "full" without a PSF, the ray and wedge models and the edge-on disk landed):

- needs torch: the cell uses PyTorch itself (the README's migration section
  gives the numpy way). The extracts keep the notebooks' ``import torch``
  where PyTorch is installed (it is optional for polychrome); then the cells
  in RUN_WITH_TORCH run (tensors taken as arrays, user code written in
  torch run on tensors: polychrome/models/torch_interop.py) and the other
  "needs torch" cells still fail (``.detach()`` on polychrome's numpy values,
  ``torch.zeros_like`` of a numpy array, single precision);
- AdvancedPSFModels cell 8: the notebook's galaxy is on one image and its group on another.
"""

import importlib.util
import os

import pytest

from cells import run_tutorial

# The two tutorials whose own settings take minutes (FittingMethods: LM, Iter, Iter_LM, 1000 Adam
# steps, NUTS, HMC and 5000 Metropolis steps on a 22-parameter PSF-convolved model, ~3.5 min;
# GroupModels: 750 x 750 pixels, 40 sources, Iter, ~2 min on 2 shared cores; CustomModels, with
# PyTorch installed: two LM fits of the user's Sersic, finite-difference Jacobians of 16 points per
# pixel on the 500 x 500 image, minutes) run when
# POLYCHROME_SLOW_TUTORIALS=1; the other five always.
SLOW = {"fitting_methods", "group_models", "custom_models"}

# tutorial: {cell index: cause}, the cells allowed to raise
RECORDED = {
    "getting_started": {8: "needs torch", 15: "needs torch", 20: "needs torch", 21: "needs torch",
                        26: "needs torch"},
    "group_models": {},
    "model_zoo": {4: "needs torch", 5: "needs torch"},
    "fitting_methods": {3: "needs torch", 8: "needs torch", 10: "needs torch"},
    "custom_models": {3: "needs torch", 4: "needs torch", 5: "needs torch", 7: "needs torch",
                      8: "after cell 7", 9: "after cell 7", 11: "needs torch"},
    "basic_psf_models": {},
# cell 8 builds its galaxy on `target` and its group on `target2`, images of one pixel grid: the
    # group moves the galaxy onto target2 with a warning, as AutoProf rendered members by window
    "advanced_psf_models": {},
}


# With PyTorch installed, the cells whose own code is torch that polychrome runs (see
# polychrome/models/torch_interop.py: tensors accepted as arrays, user brightness functions and
# initialize written in torch); the other "needs torch" cells call .detach() & co. on polychrome's
# numpy values, torch-only functions on numpy arrays (torch.zeros_like(target.data)) or ask for
# single precision, and keep failing with the numpy way in their message.
RUN_WITH_TORCH = {"getting_started": {20}, "custom_models": {3, 4, 5, 7, 8, 9, 11}}


@pytest.mark.parametrize("tutorial", sorted(RECORDED))
def test_tutorial_cells_raise_no_more_than_recorded(tutorial, tmp_path):
    if tutorial in SLOW and os.environ.get("POLYCHROME_SLOW_TUTORIALS") != "1":
        pytest.skip("minutes long: set POLYCHROME_SLOW_TUTORIALS=1")
    results = run_tutorial(tutorial, workdir=str(tmp_path))
    raised = {r.index: r for r in results if not r.ran}
    unexpected = {k: f"[{r.cause}] {r.error}" for k, r in raised.items() if k not in RECORDED[tutorial]}
    assert not unexpected, f"{tutorial}: cells that raise and are not recorded: {unexpected}"
    assert len(raised) <= len(RECORDED[tutorial])
    torch_cells = [k for k, cause in RECORDED[tutorial].items() if cause == "needs torch"]
    for k in torch_cells:  # the torch cells still fail for torch, nothing else
        assert k not in raised or raised[k].cause == "needs torch", f"cell {k}: {raised[k].error}"
    if importlib.util.find_spec("torch") is not None:
        still = sorted(k for k in RUN_WITH_TORCH.get(tutorial, ()) if k in raised)
        assert not still, f"{tutorial}: with torch installed these cells should run: " + str(
            {k: raised[k].error for k in still})
