"""The dynamics tools against published values and closed forms."""
import math

import pytest
import torch

from rnnattr import (
    OrthogonalRNN,
    TanhRNN,
    chaotic_lstm,
    henon_map,
    jacobian,
    linear_map,
    lipschitz_estimate,
    logistic_map,
    lyapunov_spectrum,
    orbit,
)

f64 = torch.float64


def test_logistic_map_at_r4_has_exponent_ln2():
    x0 = torch.rand(500, 1, generator=torch.Generator().manual_seed(0), dtype=f64) * 0.8 + 0.1
    exponents = lyapunov_spectrum(logistic_map(4.0), x0, n_steps=1000, transient=20)
    assert exponents.mean().item() == pytest.approx(math.log(2), rel=1e-2)


def test_henon_exponents_match_published_values_and_sum_to_ln_b():
    x0 = torch.rand(256, 2, generator=torch.Generator().manual_seed(1), dtype=f64) * 0.2
    exponents = lyapunov_spectrum(henon_map(1.4, 0.3), x0, n_steps=1500, transient=100)
    assert exponents[:, 0].mean().item() == pytest.approx(0.419, abs=0.005)
    assert exponents[:, 1].mean().item() == pytest.approx(-1.623, abs=0.005)
    # the Jacobian determinant is -b at every point, so the sum is exact, not statistical
    torch.testing.assert_close(exponents.sum(dim=1), torch.full((256,), math.log(0.3), dtype=f64), rtol=0, atol=1e-12)


def test_diagonal_linear_map_gives_log_of_diagonal_exactly():
    step = linear_map(torch.diag(torch.tensor([1.1, 0.8], dtype=f64)))
    exponents = lyapunov_spectrum(step, torch.randn(3, 2, dtype=f64), n_steps=50)
    torch.testing.assert_close(exponents, torch.tensor([[math.log(1.1), math.log(0.8)]] * 3, dtype=f64))


def test_non_normal_linear_map_converges_to_log_eigenvalue_moduli():
    step = linear_map(torch.tensor([[1.1, 5.0], [0.0, 0.8]], dtype=f64))
    exponents = lyapunov_spectrum(step, torch.zeros(1, 2, dtype=f64), n_steps=1500)
    torch.testing.assert_close(exponents[0], torch.tensor([math.log(1.1), math.log(0.8)], dtype=f64), atol=5e-3, rtol=0)


def test_transient_warms_up_the_tangent_vectors():
    # e1 is the contracting eigendirection's partner: starting there, the first steps
    # stretch by less than 1.1. After a 300-step warm-up only ln 1.1 can remain.
    step = linear_map(torch.tensor([[0.8, 0.0], [1.0, 1.1]], dtype=f64))
    exponents = lyapunov_spectrum(step, torch.zeros(1, 2, dtype=f64), n_steps=310, k=1, transient=300)
    assert exponents.item() == pytest.approx(math.log(1.1), abs=1e-12)


def test_orthogonal_map_has_all_exponents_zero():
    rotation = OrthogonalRNN(1, 6, 1).double().recurrent_weight().detach()
    exponents = lyapunov_spectrum(linear_map(rotation), torch.randn(2, 6, dtype=f64), n_steps=200)
    torch.testing.assert_close(exponents, torch.zeros(2, 6, dtype=f64), atol=1e-12, rtol=0)


def test_partial_spectrum_equals_leading_part_of_full_spectrum():
    x0 = torch.rand(8, 2, generator=torch.Generator().manual_seed(2), dtype=f64) * 0.2
    full = lyapunov_spectrum(henon_map(), x0, n_steps=300, transient=10)
    first = lyapunov_spectrum(henon_map(), x0, n_steps=300, k=1, transient=10)
    torch.testing.assert_close(first[:, 0], full[:, 0], atol=1e-12, rtol=0)


def test_batched_spectrum_equals_looped_spectrum():
    torch.manual_seed(3)
    model = TanhRNN(2, 10, 1, gain=2.0).double()
    x0, u = torch.randn(4, 10, dtype=f64), torch.randn(4, 60, 2, dtype=f64)
    batched = lyapunov_spectrum(model.step, x0, inputs=u, transient=10)
    looped = torch.cat([lyapunov_spectrum(model.step, x0[i : i + 1], inputs=u[i : i + 1], transient=10) for i in range(4)])
    torch.testing.assert_close(batched, looped, atol=1e-10, rtol=0)


def test_spectrum_gradient_matches_finite_differences():
    torch.manual_seed(4)
    model = TanhRNN(1, 5, 1, gain=1.5).double()
    x0 = torch.randn(2, 5, dtype=f64)
    weight = model.cell.weight_hh_l0

    def loss():
        return lyapunov_spectrum(model.step, x0, n_steps=30, k=3, transient=5).pow(2).sum()

    (grad,) = torch.autograd.grad(loss(), weight)
    eps, index = 1e-6, (1, 3)
    with torch.no_grad():
        weight[index] += eps
        up = loss()
        weight[index] -= 2 * eps
        down = loss()
        weight[index] += eps
    assert grad[index].item() == pytest.approx(((up - down) / (2 * eps)).item(), rel=1e-5, abs=1e-9)


@pytest.mark.parametrize("make", [
    lambda: (lambda m: (m.step, m.state_dim, 3))(TanhRNN(3, 4, 1).double()),
    lambda: (lambda m: (m.step, m.state_dim, None))(chaotic_lstm(torch.tensor([0.7, 1.0, 1.3]), dtype=f64)),
], ids=["tanh_rnn", "chaotic_lstm_family"])
def test_jacobian_matches_central_finite_differences(make):
    torch.manual_seed(5)
    step, dim, m = make()
    x = torch.randn(3, dim, dtype=f64) * 0.5
    u = None if m is None else torch.randn(3, m, dtype=f64)
    exact = jacobian(step, x, u)
    eps = 1e-6
    columns = []
    for j in range(dim):
        e = torch.zeros(dim, dtype=f64)
        e[j] = eps
        columns.append((step(x + e, u) - step(x - e, u)) / (2 * eps))
    torch.testing.assert_close(exact, torch.stack(columns, dim=-1), atol=1e-8, rtol=1e-6)


def test_henon_jacobian_closed_form():
    torch.testing.assert_close(jacobian(henon_map(), torch.tensor([[0.5, 0.1]], dtype=f64)),
                               torch.tensor([[[-1.4, 1.0], [0.3, 0.0]]], dtype=f64))


def test_lipschitz_estimate_of_linear_map_is_its_operator_norm():
    matrix = torch.tensor([[1.0, 2.0], [-3.0, 0.5]], dtype=f64)
    x = torch.randn(5, 2, dtype=f64)
    assert lipschitz_estimate(linear_map(matrix), x).item() == pytest.approx(torch.linalg.matrix_norm(matrix, 2).item())
    assert lipschitz_estimate(linear_map(matrix), x, norm=float("inf")).item() == pytest.approx(3.5)


def test_orbit_drops_burn_in_and_counts_steps():
    states = orbit(linear_map(torch.tensor([[2.0]])), torch.ones(1, 1), n_steps=5, burn_in=2)
    torch.testing.assert_close(states[0, :, 0], torch.tensor([8.0, 16.0, 32.0]))


@pytest.mark.parametrize("values, n_steps", [([0.6, 1.9], 150), ([0.6, 1.0, 1.2, 1.9], 30)], ids=["calm", "chaotic"])
def test_batched_orbit_equals_per_item_loop(values, n_steps):
    # SIMD and scalar loops round differently in the last bit, and chaos (λ1 ≈ 0.2 per step)
    # amplifies that by e^(0.2 t): chaotic members are compared over 30 steps only.
    s = torch.tensor(values, dtype=f64)
    family = chaotic_lstm(s, dtype=f64)
    batched = orbit(family.step, family.initial_state(), n_steps, burn_in=10)
    for i, value in enumerate(values):
        single = chaotic_lstm(value, dtype=f64)
        torch.testing.assert_close(batched[i : i + 1], orbit(single.step, single.initial_state(1), n_steps, burn_in=10),
                                   atol=1e-12, rtol=0)


def test_orbit_with_input_sequence_and_constant_input_agree():
    torch.manual_seed(6)
    model = TanhRNN(2, 5, 1).double()
    u = torch.randn(3, 2, dtype=f64)
    constant = orbit(model.step, torch.zeros(3, 5, dtype=f64), n_steps=20, inputs=u)
    sequence = orbit(model.step, torch.zeros(3, 5, dtype=f64), inputs=u[:, None].expand(3, 20, 2))
    torch.testing.assert_close(constant, sequence)


def test_diverged_member_becomes_nan_with_a_warning_and_others_survive():
    with pytest.warns(RuntimeWarning, match="1 of 2 members diverged"):
        states = orbit(logistic_map(4.0), torch.tensor([[0.3], [2.0]], dtype=f64), n_steps=60)
    assert torch.isnan(states[1]).all() and torch.isfinite(states[0]).all()


@pytest.mark.parametrize("call, message", [
    (lambda: orbit(logistic_map(), torch.zeros(3), n_steps=5), r"x0: expected shape \(B, d\), got \(3,\)"),
    (lambda: orbit(logistic_map(), torch.zeros(3, 1)), "n_steps: expected a positive integer"),
    (lambda: orbit(logistic_map(), torch.zeros(3, 1), n_steps=0), "n_steps: expected a positive integer, got 0"),
    (lambda: orbit(logistic_map(), torch.zeros(3, 1), n_steps=5, burn_in=5), "burn_in: expected fewer than"),
    (lambda: orbit(logistic_map(), torch.zeros(3, 1), inputs=torch.zeros(2, 4, 1)), r"inputs: expected shape \(3, T, m\), got \(2, 4, 1\)"),
    (lambda: orbit(logistic_map(), torch.zeros(3, 1, dtype=torch.int64), n_steps=5), "x0: expected a floating-point tensor"),
    (lambda: lyapunov_spectrum(henon_map(), torch.zeros(3, 2), n_steps=5, k=3), "k: expected at most the state dimension d=2, got 3"),
    (lambda: lyapunov_spectrum(henon_map(), torch.zeros(3, 2), n_steps=5, transient=5), "transient: expected fewer than"),
])
def test_bad_input_is_rejected_with_a_message_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()
