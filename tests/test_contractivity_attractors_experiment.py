"""The contractivity chapter's systems and measurements against closed forms."""
import dataclasses
import math

import pytest
import torch

from rnnattr import TanhRNN, linear_map
from rnnattr.experiments.contractivity_attractors import (
    NON_NORMAL_WEIGHT,
    ContractivityConfig,
    analyse,
    contraction_numbers,
    gallery,
    invariant_circle_radius,
    paired_distances,
    pitchfork_branches,
    tanh_map,
)

f64 = torch.float64
SMALL = dataclasses.replace(ContractivityConfig.preset("reduced"), grid_size=21, n_starts=32, adam_steps=50,
                            orbit_steps=400, lyapunov_steps=100)


def test_tanh_map_is_the_tanh_rnn_step():
    torch.manual_seed(0)
    model = TanhRNN(2, 3, 1).double()
    cell = model.cell
    step = tanh_map(cell.weight_hh_l0.detach(), (cell.bias_hh_l0 + cell.bias_ih_l0).detach(), cell.weight_ih_l0.detach())
    x, u = torch.randn(5, 3, dtype=f64), torch.randn(5, 2, dtype=f64)
    torch.testing.assert_close(step(x, u), model.step(x, u))


def test_contraction_numbers_of_the_non_normal_map():
    # W = [[a, c], [0, a]]: ρ = a, ‖W‖₂ = (c + √(c² + 4a²)) / 2, reached at the origin
    numbers = contraction_numbers(tanh_map(NON_NORMAL_WEIGHT), torch.zeros(2, dtype=f64), torch.randn(50, 2, dtype=f64))
    norm = (2.0 + math.sqrt(4.0 + 1.0)) / 2
    assert numbers["spectral radius"] == pytest.approx(0.5, abs=1e-6)  # a Jordan block: eigvals err ~ √ε
    assert numbers["‖J(x*)‖₂"] == pytest.approx(norm, rel=1e-12)
    assert numbers["L_f estimate"] == pytest.approx(norm, rel=1e-12)


def test_pitchfork_branches_solve_the_fixed_point_equation():
    w = torch.tensor([0.5, 0.9, 1.5, 2.5], dtype=f64)
    branches = pitchfork_branches(w, SMALL)
    x, values = branches.points[:, 0], branches.inputs[:, 0]
    torch.testing.assert_close(x, torch.tanh(values * x), atol=1e-12, rtol=0)
    assert [int((values == v).sum()) for v in w] == [1, 1, 3, 3]


def test_invariant_circle_collapses_below_g_1_and_matches_the_cubic_prediction_above():
    radii = invariant_circle_radius(torch.tensor([0.9, 1.02], dtype=f64), dataclasses.replace(SMALL, orbit_steps=1000))
    assert radii[0].max() < 1e-40
    predicted = math.sqrt(2 * (1.02**2 - 1)) / 1.02**2  # from tanh y ≈ y − y³/3, averaged over the angle
    assert radii[1].mean().item() == pytest.approx(predicted, rel=0.03)


def test_paired_distances_of_a_linear_map_are_the_matrix_powers():
    matrix = torch.tensor([[0.5, 2.0], [0.0, 0.5]], dtype=f64)
    x_a, x_b = torch.randn(3, 2, dtype=f64), torch.randn(3, 2, dtype=f64)
    distances = paired_distances(linear_map(matrix), x_a, x_b, torch.zeros(3, 6, 1, dtype=f64))
    expected = torch.stack([((x_a - x_b) @ torch.linalg.matrix_power(matrix, t).T).norm(dim=-1) for t in range(7)], 1)
    torch.testing.assert_close(distances, expected, atol=1e-14, rtol=0)


def test_four_attractor_network_has_nine_fixed_points_and_four_basins():
    result = analyse(gallery()[1], dataclasses.replace(SMALL, n_starts=128))
    assert sorted(result.fixed.stability) == ["saddle"] * 4 + ["stable"] * 4 + ["unstable"]
    assert len(result.attractors) == 4 and set(result.labels.unique().tolist()) == {0, 1, 2, 3}


def test_config_rejects_bad_sizes():
    with pytest.raises(ValueError, match="grid_size: expected a positive integer, got 0"):
        ContractivityConfig(grid_size=0)
    with pytest.raises(ValueError, match="orbit_steps: expected at least 10, got 5"):
        ContractivityConfig(orbit_steps=5)
    with pytest.raises(ValueError, match="size: expected one of"):
        ContractivityConfig.preset("huge")
