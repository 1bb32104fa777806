"""The fitter's component-by-component normal equations equal those of the
full Jacobian (model.sample_with_jacobian) to rounding, with overlapping
windows, masked pixels, a sky and linked parameters."""

import numpy as np
import pytest

import polychrome as pc
from polychrome.fit import ModelProblem, accumulate
from test_fit_group import GALAXIES
from test_models_joint import joint_model


def _full_jacobian_equations(problem, x):
    problem.free.set_values(x, clip_to_limits=True)
    images, jacobians = problem.model.sample_with_jacobian()
    images = images if isinstance(images, pc.image.ModelImageList) else [images]
    jacobians = jacobians if isinstance(jacobians, list) else [jacobians]
    state = None
    for image, jac, target, window in zip(images, jacobians, problem.model.targets, problem.model.windows):
        view = target[window]
        use = ~view.mask
        residual = view.data[use] - image.data[use]
        state = accumulate(residual, 1.0 / view.variance[use], jac.data[:, use], state)
    return state


def _check(model):
    problem = ModelProblem(model)
    assert_equations_match_full_jacobian(problem, problem.free.get_values())


def assert_equations_match_full_jacobian(problem, x):
    """The problem's normal equations at x against those of the model's whole Jacobian."""
    ours = problem.normal_equations(x)
    chi2, ndata, gradient, hessian = _full_jacobian_equations(problem, x)
    assert ours.ndata == ndata
    assert ours.chi2 == pytest.approx(chi2, rel=1e-12)
    np.testing.assert_allclose(ours.gradient, gradient, rtol=1e-10, atol=1e-12 * np.abs(gradient).max())
    np.testing.assert_allclose(ours.hessian, hessian, rtol=1e-10, atol=1e-12 * np.abs(hessian).max())


def test_joint_model_across_three_images():
    group, targets = joint_model()
    for k, target in enumerate(targets):
        target.data[...] = np.random.default_rng(k).normal(size=target.shape)
    _check(group)


@pytest.mark.parametrize("masked", [False, True])
def test_group_with_overlapping_windows_sky_and_links(masked):
    mask = np.zeros((60, 60), bool)
    if masked:
        mask[5:9, 10:30] = True
    target = pc.image.TargetImage(np.random.default_rng(1).normal(size=(60, 60)), variance=np.ones((60, 60)),
                                  mask=mask)
    members = [pc.models.Model(name="sky", model_type="flat sky model", target=target, F=0.05)]
    for k, g in enumerate(GALAXIES):
        x, y = (int(c) for c in g["center"])
        members.append(pc.models.Model(name=f"g{k}", model_type="sersic galaxy model", target=target,
                                       window=[[x - 12, x + 12], [y - 12, y + 12]], center=list(g["center"]),
                                       q=g["q"], PA=g["PA"], n=g["n"], Re=g["Re"], Ie=g["Ie"]))
    members[2].add_equality_constraint(members[1], ["q"])
    members[3]["n"].locked = True
    _check(pc.models.Model(name="field", model_type="group model", models=members, target=target))


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("windows", ["whole", "partial"])
def test_components_filling_one_window_with_a_shared_quantity(masked, windows):
    """Bulge and disk on one small window, centre and q shared, a sky: the components fill the
    window, so their Jacobian rows are stacked for one core call (the shared quantity's rows
    summed into one column); with "partial" the disk covers only part of the window."""
    rng = np.random.default_rng(3)
    mask = np.zeros((40, 40), bool)
    if masked:
        mask[3:7, 5:20] = True
    target = pc.image.TargetImage(rng.normal(size=(40, 40)), variance=np.ones((40, 40)), mask=mask)
    disk_window = None if windows == "whole" else [[4, 36], [6, 34]]
    bulge = pc.models.Model(name="bulge", model_type="sersic galaxy model", target=target,
                            center=[20.3, 19.6], q=0.7, PA=0.4, n=3.0, Re=3.0, Ie=0.5)
    disk = pc.models.Model(name="disk", model_type="exponential galaxy model", target=target,
                           window=disk_window, center=[20.3, 19.6], q=0.7, PA=1.1, Re=6.0, Ie=0.2)
    disk.add_equality_constraint(bulge, ["center", "q"])
    sky = pc.models.Model(name="sky", model_type="flat sky model", target=target, F=0.1)
    group = pc.models.Model(name="galaxy", model_type="group model", models=[bulge, disk, sky], target=target)
    problem = ModelProblem(group)
    problem.normal_equations(problem.free.get_values())
    assert problem._plans[0].stacked and not problem._plans[0].distinct
    _check(group)
