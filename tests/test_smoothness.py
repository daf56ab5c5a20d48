"""Gradient norms, Hessian–vector products and Hessian spectral norms against closed forms."""
import dataclasses

import numpy as np
import pytest
import torch
from torch.func import functional_call

from rnnattr import TanhRNN, chaotic_lstm, linear_map, orbit
from rnnattr.experiments.smoothness_theorem import (
    SmoothnessConfig,
    growth_rate,
    linear_problem,
    linear_step,
    lstm_step,
    orthogonal_matrix,
    rates,
    rates_table,
    run,
)
from rnnattr.smoothness import (
    gradient_norm,
    hessian_spectral_norm,
    hessian_vector_product,
    simulation_cost_over_horizons,
)

f64 = torch.float64


def symmetric(eigenvalues, seed=0):
    """Q diag(eigenvalues) Qᵀ with a random orthogonal Q: a symmetric matrix of known spectrum."""
    n = len(eigenvalues)
    q, _ = torch.linalg.qr(torch.randn(n, n, generator=torch.Generator().manual_seed(seed), dtype=f64))
    return q @ torch.diag(torch.tensor(eigenvalues, dtype=f64)) @ q.T


def small_rnn_cost():
    """V(W_hh, W_ih) of a 4-unit tanh RNN simulated for 12 steps, as a function of a tuple."""
    torch.manual_seed(0)
    model = TanhRNN(2, 4, 1, gain=1.5).double()
    u, y = torch.randn(3, 12, 2, dtype=f64), torch.randn(3, 12, 1, dtype=f64)

    def loss(params):
        recurrent, inputs = params
        prediction, _ = functional_call(model, {"cell.weight_hh_l0": recurrent, "cell.weight_ih_l0": inputs}, (u,))
        return (prediction - y).pow(2).mean()

    params = (model.cell.weight_hh_l0.detach().clone(), model.cell.weight_ih_l0.detach().clone())
    return loss, params


def test_hessian_vector_product_matches_finite_differences_of_gradients():
    loss, params = small_rnn_cost()
    generator = torch.Generator().manual_seed(1)
    vector = tuple(torch.randn(p.shape, generator=generator, dtype=f64) for p in params)

    def gradient(point):
        leaves = tuple(p.clone().requires_grad_() for p in point)
        return torch.autograd.grad(loss(leaves), leaves)

    eps = 1e-5
    up = gradient(tuple(p + eps * v for p, v in zip(params, vector)))
    down = gradient(tuple(p - eps * v for p, v in zip(params, vector)))
    product = hessian_vector_product(loss, params, vector)
    assert isinstance(product, tuple) and len(product) == 2
    for exact, plus, minus in zip(product, up, down):
        torch.testing.assert_close(exact, (plus - minus) / (2 * eps), rtol=1e-6, atol=1e-9)


def test_quadratic_hessian_vector_product_is_exactly_a_times_v():
    matrix = symmetric([-5.0, 3.0, 1.0, -0.5, 2.0])
    vector = torch.randn(5, dtype=f64)
    product = hessian_vector_product(lambda x: 0.5 * x @ matrix @ x, torch.randn(5, dtype=f64), vector)
    torch.testing.assert_close(product, matrix @ vector, rtol=0, atol=1e-12)


def test_tuple_parameters_see_the_coupled_hessian():
    # V(x, y) = ½ [x; y]ᵀ A [x; y]: the product with (v, w) is A [v; w], split back into (x, y) blocks
    matrix = symmetric([4.0, -1.0, 2.0, 0.5, 3.0], seed=2)
    def loss(params):
        stacked = torch.cat(params)
        return 0.5 * stacked @ matrix @ stacked
    v, w = torch.randn(2, dtype=f64), torch.randn(3, dtype=f64)
    product = hessian_vector_product(loss, (torch.zeros(2, dtype=f64), torch.ones(3, dtype=f64)), (v, w))
    torch.testing.assert_close(torch.cat(product), matrix @ torch.cat([v, w]), rtol=0, atol=1e-12)


@pytest.mark.parametrize("eigenvalues, expected", [
    ([-5.0, 3.0, 1.0, -0.5, 2.0], 5.0),   # negative dominant eigenvalue
    ([0.5, -4.0, 4.5, 1.0, -2.0], 4.5),    # |λ2/λ1| = 0.89: slow but sure
])
def test_power_iteration_returns_largest_absolute_eigenvalue(eigenvalues, expected):
    matrix = symmetric(eigenvalues)
    norm = hessian_spectral_norm(lambda x: 0.5 * x @ matrix @ x, torch.zeros(5, dtype=f64), n_iterations=1000,
                                 rtol=1e-14, generator=torch.Generator().manual_seed(3))
    assert norm.item() == pytest.approx(expected, rel=1e-8)


def test_batched_spectral_norms_equal_looped_ones():
    matrices = torch.stack([symmetric([-5.0, 3.0, 1.0], seed=4), symmetric([2.0, -0.1, 0.3], seed=5)])  # (2, 3, 3)
    points = torch.randn(2, 3, dtype=f64)
    batched = hessian_spectral_norm(lambda x: 0.5 * torch.einsum("mi,mij,mj->m", x, matrices, x), points,
                                    n_iterations=300, rtol=0, batched=True)
    looped = [hessian_spectral_norm(lambda x, a=a: 0.5 * x @ a @ x, p, n_iterations=300, rtol=0)
              for a, p in zip(matrices, points)]
    torch.testing.assert_close(batched, torch.stack(looped), rtol=1e-10, atol=0)
    torch.testing.assert_close(batched, torch.tensor([5.0, 2.0], dtype=f64), rtol=1e-10, atol=0)


def test_affine_cost_has_zero_hessian():
    slope = torch.tensor([1.0, -2.0], dtype=f64)
    assert hessian_spectral_norm(lambda x: slope @ x, torch.ones(2, dtype=f64)).item() == 0.0


def test_batched_hessian_products_through_the_lstm_equal_per_member_ones():
    # one member per (scale, horizon): member m's product may not see member m′'s weights
    scales, horizons = torch.tensor([0.8, 1.0, 1.2], dtype=f64), torch.tensor([7, 12, 4])
    weights = chaotic_lstm(scales, dtype=f64).weight_hh.detach()  # (3, 8, 2)
    x0 = torch.full((3, 4), 0.5, dtype=f64)
    targets = torch.randn(3, 12, 2, generator=torch.Generator().manual_seed(6), dtype=f64) * 0.1
    vector = torch.randn(3, 8, 2, generator=torch.Generator().manual_seed(7), dtype=f64)

    def cost(w, rows):
        return simulation_cost_over_horizons(lstm_step(w), x0[rows], targets[rows], horizons[rows],
                                             readout=lambda x: x[:, :2])

    batched = hessian_vector_product(lambda w: cost(w, slice(None)), weights, vector, batched=True)
    for m in range(3):
        single = hessian_vector_product(lambda w: cost(w, slice(m, m + 1))[0], weights[m : m + 1], vector[m : m + 1])
        torch.testing.assert_close(batched[m : m + 1], single, rtol=1e-10, atol=1e-12)


def test_lstm_step_is_the_chaotic_family_step():
    family = chaotic_lstm(torch.tensor([0.7, 1.0, 1.6], dtype=f64), dtype=f64)
    x = torch.randn(3, 4, dtype=f64)
    torch.testing.assert_close(lstm_step(family.weight_hh.detach())(x), family.step(x), rtol=0, atol=1e-14)


def test_simulation_cost_over_horizons_is_the_mean_squared_error_of_each_prefix():
    matrix = torch.tensor([[0.9, 0.2], [-0.3, 0.8]], dtype=f64)
    x0 = torch.randn(3, 2, dtype=f64)
    targets = torch.randn(3, 9, 2, dtype=f64)
    horizons = torch.tensor([1, 9, 4])
    costs = simulation_cost_over_horizons(linear_map(matrix), x0, targets, horizons)
    states = orbit(linear_map(matrix), x0, 9)  # (3, 9, 2)
    for m, n in enumerate(horizons.tolist()):
        expected = (states[m, :n] - targets[m, :n]).pow(2).sum(-1).mean()
        assert costs[m].item() == pytest.approx(expected.item(), rel=1e-12)


def test_linear_model_at_gain_one_has_gradient_growing_exactly_linearly():
    # x_{t+1} = A x_t, target 0, A = I: V_N = (1/N) Σ ‖A^t x0‖² and
    # ∇_A V_N = (2/N) Σ_{t≤N} Σ_{k<t} x0 x0ᵀ = (N + 1) x0 x0ᵀ, whose norm is (N + 1) ‖x0‖².
    # Along A = Q (orthogonal), V_N(aQ) = (1/N) Σ a^{2t} ‖x0‖², so ⟨Q, ∇²V_N Q⟩ = (N + 1)(4N − 1)/3 ‖x0‖².
    horizons = torch.arange(1, 41)
    members, dim = len(horizons), 4
    x0 = torch.randn(dim, dtype=f64).expand(members, dim)
    squared = x0[0].pow(2).sum()
    zeros = torch.zeros(members, 40, dim, dtype=f64)

    def loss(recurrent):
        return simulation_cost_over_horizons(linear_step(recurrent, torch.zeros(members, dim, 1, dtype=f64)), x0,
                                             zeros, horizons, inputs=torch.zeros(members, 1, dtype=f64))

    n = horizons.to(f64)
    identity = torch.eye(dim, dtype=f64).expand(members, dim, dim)
    torch.testing.assert_close(gradient_norm(loss, identity, batched=True), (n + 1) * squared, rtol=1e-12, atol=0)
    rotation = orthogonal_matrix(dim, torch.Generator().manual_seed(8)).expand(members, dim, dim)
    curvature = (hessian_vector_product(loss, rotation, rotation, batched=True) * rotation).sum(dim=(1, 2))
    torch.testing.assert_close(curvature, (n + 1) * (4 * n - 1) / 3 * squared, rtol=1e-10, atol=0)


def test_linear_experiment_gradient_exponent_at_gain_one_is_one():
    config = dataclasses.replace(SmoothnessConfig.preset("reduced"), n_replicates=4)
    problem = linear_problem(1.0, config)
    norms = gradient_norm(problem.loss_fn, problem.params, batched=True).reshape(-1, config.n_replicates)
    slope, _ = growth_rate(config.linear_horizons, norms, "power")
    assert 0.85 < slope < 1.15


def test_orthogonal_matrix_is_orthogonal():
    q = orthogonal_matrix(6, torch.Generator().manual_seed(9))
    torch.testing.assert_close(q @ q.T, torch.eye(6, dtype=f64), rtol=0, atol=1e-12)


def test_growth_rate_recovers_exact_power_laws_and_exponentials():
    n = np.arange(5, 101, 5)
    replicates = np.array([1.0, 2.0, 0.5])  # constant factors leave the slope alone
    assert growth_rate(n, 3 * n[:, None] ** 2.5 * replicates, "power")[0] == pytest.approx(2.5)
    assert growth_rate(n, 2 * np.exp(0.3 * n)[:, None] * replicates, "exponential")[0] == pytest.approx(0.3)


def test_run_gives_finite_norms_and_one_table_row_per_system_and_quantity():
    tiny = SmoothnessConfig(linear_horizons=(4, 8), lstm_horizons=(4, 8), n_replicates=2, n_iterations=3,
                            lyapunov_steps=20, lyapunov_transient=5, landscape_horizons=(3, 6), landscape_values=5)
    result = run(tiny)
    assert result["linear_hessian"].shape == (3, 2, 2) and result["lstm_gradient"].shape == (2, 2, 2)
    assert all(np.isfinite(value).all() for value in result.values())
    assert len(rates(result)) == 10 and rates_table(result).count("\n") == 11


QUADRATIC = lambda x: (x ** 2).sum()  # noqa: E731


@pytest.mark.parametrize("call, message", [
    (lambda: gradient_norm("V", torch.ones(3)), "loss_fn: expected a callable params -> cost, got str"),
    (lambda: gradient_norm(QUADRATIC, ()), "params: expected a tensor or a non-empty tuple"),
    (lambda: gradient_norm(QUADRATIC, [1.0, 2.0]), "params: expected a torch.Tensor, got list"),
    (lambda: gradient_norm(QUADRATIC, torch.tensor([1, 2])), "params: expected a floating-point tensor"),
    (lambda: gradient_norm(lambda x: x ** 2, torch.ones(3)), r"loss_fn: expected a tensor of shape \(\) \(a scalar cost\), got \(3,\)"),
    (lambda: gradient_norm(lambda x: x.sum(), torch.ones(3, 2), batched=True),
     r"loss_fn: expected a tensor of shape \(3,\) \(one cost per member\), got \(\)"),
    (lambda: gradient_norm(QUADRATIC, (torch.ones(3, 2), torch.ones(4)), batched=True),
     r"params\[1\]: expected a leading member dimension of size 3 \(batched=True\), got shape \(4,\)"),
    (lambda: hessian_vector_product(QUADRATIC, torch.ones(3), torch.ones(4)), r"vector: expected shape \(3,\), got \(4,\)"),
    (lambda: hessian_vector_product(QUADRATIC, torch.ones(3), (torch.ones(3),)), "vector: expected the structure of params"),
    (lambda: hessian_vector_product(QUADRATIC, (torch.ones(3), torch.ones(2)), (torch.ones(3), torch.ones(3))),
     r"vector\[1\]: expected shape \(2,\), got \(3,\)"),
    (lambda: hessian_spectral_norm(QUADRATIC, torch.ones(3), n_iterations=0), "n_iterations: expected a positive integer, got 0"),
    (lambda: hessian_spectral_norm(QUADRATIC, torch.ones(3), rtol=-1.0), "rtol: expected a non-negative number, got -1.0"),
    (lambda: simulation_cost_over_horizons(linear_map(torch.eye(2)), torch.ones(2, 2), torch.zeros(2, 5, 2), torch.tensor([0, 3])),
     r"horizons: expected integers in \[1, T=5\], got values in \[0, 3\]"),
    (lambda: simulation_cost_over_horizons(linear_map(torch.eye(2)), torch.ones(2, 2), torch.zeros(2, 5, 2), torch.tensor([1.0, 3.0])),
     "horizons: expected an integer tensor, got dtype torch.float32"),
    (lambda: simulation_cost_over_horizons(linear_map(torch.eye(2)), torch.ones(2, 2), torch.zeros(3, 5, 2), torch.tensor([1, 3])),
     r"targets: expected shape \(2, T, o\), got \(3, 5, 2\)"),
    (lambda: SmoothnessConfig(state_dim=7), "state_dim: expected an even number"),
    (lambda: SmoothnessConfig(lstm_horizons=(5,)), r"lstm_horizons: expected at least two positive integers, got \(5,\)"),
    (lambda: SmoothnessConfig.preset("huge"), r"size: expected one of \['full', 'reduced'\], got 'huge'"),
    (lambda: growth_rate([1, 2], np.ones((2, 1)), "linear"), "scale: expected 'power' or 'exponential', got 'linear'"),
    (lambda: growth_rate([1, 2, 3], np.ones((2, 4)), "power"), r"values: expected shape \(3, R\) for 3 horizons"),
])
def test_bad_input_is_rejected_with_a_message_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()
