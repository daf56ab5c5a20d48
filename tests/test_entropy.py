"""Entropies against closed forms: Gaussians, uniform boxes, linear and tanh maps."""
import math

import pytest
import torch

import rnnattr.entropy as entropy_module
from rnnattr import TanhRNN, henon_map, linear_map
from rnnattr.entropy import (
    gaussian_entropy,
    kozachenko_leonenko_entropy,
    log_abs_det_jacobian,
    smallest_singular_value,
)

f64 = torch.float64


def random_gaussian(d, n, seed, spread=2.0):
    """n draws of N(0, Σ) in d dimensions, Σ = Q diag(s²) Qᵀ with s from 1 to ``spread``; returns (x, Σ)."""
    generator = torch.Generator().manual_seed(seed)
    rotation = torch.linalg.qr(torch.randn(d, d, generator=generator, dtype=f64))[0]
    scales = torch.logspace(0, math.log10(spread), d, dtype=f64)
    x = torch.randn(n, d, generator=generator, dtype=f64) @ (rotation * scales).T  # (n, d)
    return x, rotation @ torch.diag(scales**2) @ rotation.T


# gaussian_entropy


def test_gaussian_entropy_of_a_diagonal_covariance_is_the_sum_of_one_dimensional_entropies():
    variances = torch.tensor([0.5, 2.0, 7.0], dtype=f64)
    expected = sum(0.5 * math.log(2 * math.pi * math.e * v) for v in variances.tolist())
    assert gaussian_entropy(torch.diag(variances)).item() == pytest.approx(expected, abs=1e-12)


def test_gaussian_entropy_batched_equals_looped_and_torch_distributions():
    covariances = torch.stack([random_gaussian(4, 1, seed)[1] for seed in range(6)]).reshape(2, 3, 4, 4)
    batched = gaussian_entropy(covariances)  # (2, 3)
    looped = torch.stack([gaussian_entropy(c) for c in covariances.reshape(6, 4, 4)]).reshape(2, 3)
    reference = torch.distributions.MultivariateNormal(torch.zeros(4, dtype=f64), covariances).entropy()
    torch.testing.assert_close(batched, looped, atol=1e-12, rtol=0)
    torch.testing.assert_close(batched, reference, atol=1e-12, rtol=0)


def test_gaussian_entropy_shifts_by_log_abs_det_under_a_linear_map():
    _, covariance = random_gaussian(5, 1, seed=1)
    matrix = torch.randn(5, 5, generator=torch.Generator().manual_seed(2), dtype=f64)
    shift = gaussian_entropy(matrix @ covariance @ matrix.T) - gaussian_entropy(covariance)
    assert shift.item() == pytest.approx(torch.linalg.slogdet(matrix).logabsdet.item(), abs=1e-10)


# kozachenko_leonenko_entropy


@pytest.mark.parametrize("d", range(1, 11))
def test_estimator_recovers_gaussian_entropy_in_1_to_10_dimensions(d):
    # Measured errors over 6 seeds at N = 3000, k = 3 for standard deviations spread over a
    # factor 2: at most 0.06 up to d = 4, 0.16 up to d = 10. The tolerance leaves a margin
    # over that; under stronger anisotropy the (positive) bias grows, e.g. ≈ +0.8 at d = 10
    # for a factor 10, which is why this test keeps the spread moderate.
    x, covariance = random_gaussian(d, 3000, seed=100 + d)
    error = kozachenko_leonenko_entropy(x) - gaussian_entropy(covariance)
    assert abs(error.item()) < 0.1 + 0.02 * d


@pytest.mark.parametrize("d, low, high", [(1, -0.06, 0.06), (2, -0.06, 0.06), (3, 0.0, 0.2)])
def test_estimator_recovers_log_volume_of_a_uniform_box(d, low, high):
    # A uniform density jumps at the faces: points near a face have fewer neighbours than the
    # formula assumes, so the estimate is biased upwards, more so in higher dimension
    # (measured: |error| < 0.05 for d ≤ 2, +0.10 to +0.15 for d = 3 at N = 3000).
    widths = torch.linspace(0.5, 3.0, d, dtype=f64)
    x = torch.rand(3000, d, generator=torch.Generator().manual_seed(d), dtype=f64) * widths
    error = kozachenko_leonenko_entropy(x) - widths.log().sum()
    assert low < error.item() < high


def test_estimator_is_invariant_under_translation():
    x, _ = random_gaussian(3, 1000, seed=3)
    offset = torch.tensor([50.0, -20.0, 7.0], dtype=f64)
    torch.testing.assert_close(kozachenko_leonenko_entropy(x + offset), kozachenko_leonenko_entropy(x),
                               atol=1e-9, rtol=0)


def test_estimator_shifts_exactly_by_log_abs_det_under_a_scaled_rotation():
    # Distances scale by a under x -> a Q x, so the estimate moves by d log a exactly, even for
    # a cloud 10⁻⁶ across (the exact cdist mode keeps such small distances).
    x, _ = random_gaussian(4, 1000, seed=4)
    rotation = torch.linalg.qr(torch.randn(4, 4, generator=torch.Generator().manual_seed(5), dtype=f64))[0]
    for scale in (1e-6, 0.3, 40.0):
        shift = kozachenko_leonenko_entropy(linear_map(scale * rotation)(x)) - kozachenko_leonenko_entropy(x)
        assert shift.item() == pytest.approx(4 * math.log(scale), abs=1e-9)


def test_estimator_follows_log_abs_det_under_a_general_linear_map():
    # A non-conformal map changes distances unevenly: the shift is log|det A| only up to the
    # estimator's statistical error, here of two Gaussians of known entropy.
    x, covariance = random_gaussian(3, 3000, seed=6)
    matrix = torch.tensor([[1.5, 0.4, 0.0], [0.0, 0.8, 0.3], [0.2, 0.0, 1.1]], dtype=f64)
    shift = kozachenko_leonenko_entropy(linear_map(matrix)(x)) - kozachenko_leonenko_entropy(x)
    assert shift.item() == pytest.approx(torch.linalg.slogdet(matrix).logabsdet.item(), abs=0.08)


def test_estimator_follows_the_change_of_variables_identity_through_tanh():
    # Y = tanh(X) with X ~ N(0, 1): H(Y) = H(X) + E[log(1 − tanh² X)], the identity the
    # chapter checks on recurrent networks; the expectation is a large Monte Carlo average.
    x = torch.randn(4000, 1, generator=torch.Generator().manual_seed(7), dtype=f64)
    expected = 0.5 * math.log(2 * math.pi * math.e) + torch.log1p(-torch.tanh(x).pow(2)).mean()
    assert kozachenko_leonenko_entropy(torch.tanh(x)).item() == pytest.approx(expected.item(), abs=0.05)


def test_batched_estimate_equals_looped_estimate_and_blocks_change_nothing(monkeypatch):
    clouds = torch.stack([random_gaussian(3, 500, seed)[0] for seed in range(4)])  # (4, 500, 3)
    batched = kozachenko_leonenko_entropy(clouds, k=2)
    looped = torch.stack([kozachenko_leonenko_entropy(c, k=2) for c in clouds])
    monkeypatch.setattr(entropy_module, "_PAIRS_PER_BLOCK", 4 * 500 * 7)  # 7 query rows per block
    blocked = kozachenko_leonenko_entropy(clouds, k=2)
    torch.testing.assert_close(batched, looped, atol=1e-12, rtol=0)
    torch.testing.assert_close(blocked, batched, atol=1e-12, rtol=0)


def test_estimator_with_k_equal_one_on_two_points_is_the_closed_form():
    # N = 2, k = 1, d = 1: ε_1 = ε_2 = |x1 − x2| = 3 and V_1 = 2, so
    # Ĥ = ψ(2) − ψ(1) + log 2 + log 3 = 1 + log 6.
    samples = torch.tensor([[0.0], [3.0]], dtype=f64)
    assert kozachenko_leonenko_entropy(samples, k=1).item() == pytest.approx(1 + math.log(6), abs=1e-12)


# log_abs_det_jacobian


def test_log_abs_det_jacobian_of_henon_and_linear_maps_is_constant():
    x = torch.randn(5, 2, generator=torch.Generator().manual_seed(8), dtype=f64)
    torch.testing.assert_close(log_abs_det_jacobian(henon_map(1.4, 0.3), x),
                               torch.full((5,), math.log(0.3), dtype=f64), atol=1e-12, rtol=0)
    matrix = torch.tensor([[2.0, 1.0], [0.5, -3.0]], dtype=f64)
    torch.testing.assert_close(log_abs_det_jacobian(linear_map(matrix), x),
                               torch.full((5,), math.log(6.5), dtype=f64), atol=1e-12, rtol=0)


def test_log_abs_det_jacobian_of_a_tanh_rnn_matches_its_closed_form():
    # ∂/∂x tanh(W x + b) = diag(1 − x'²) W, so log|det J| = log|det W| + Σ log(1 − x'_i²).
    torch.manual_seed(9)
    model = TanhRNN(1, 4, 1, gain=1.5).double()
    x = torch.randn(6, 4, dtype=f64)
    expected = torch.linalg.slogdet(model.cell.weight_hh_l0).logabsdet + torch.log1p(-model.step(x).pow(2)).sum(-1)
    torch.testing.assert_close(log_abs_det_jacobian(model.step, x), expected.detach(), atol=1e-10, rtol=0)


# smallest_singular_value: the lower Lipschitz constant, and the lower bound on the entropy change


def test_smallest_singular_value_of_a_linear_map_is_its_lower_lipschitz_constant():
    matrix = torch.tensor([[1.2, 0.9, 0.0], [0.0, 0.5, 0.3], [0.2, 0.0, 0.8]], dtype=f64)
    x = torch.randn(7, 3, generator=torch.Generator().manual_seed(10), dtype=f64)
    ell = torch.linalg.svdvals(matrix)[-1]
    torch.testing.assert_close(smallest_singular_value(linear_map(matrix), x), ell.expand(7), atol=1e-12, rtol=0)
    # ‖Ax − Aw‖ ≥ ℓ‖x − w‖ for every pair, with equality along the last right-singular vector
    w = torch.randn(7, 3, generator=torch.Generator().manual_seed(11), dtype=f64)
    assert ((x - w) @ matrix.T).norm(dim=1).ge(ell * (x - w).norm(dim=1) - 1e-12).all()
    smallest_direction = torch.linalg.svd(matrix).Vh[-1]  # (3,), unit norm
    assert (matrix @ smallest_direction).norm().item() == pytest.approx(ell.item(), abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gaussian_entropy_change_under_a_linear_map_lies_between_the_lower_and_upper_bounds(seed):
    # H(AX) − H(X) = log|det A| = Σ log σ_i, and d log σ_min ≤ Σ log σ_i ≤ d log σ_max
    generator = torch.Generator().manual_seed(seed)
    d = 4
    matrix = torch.randn(d, d, generator=generator, dtype=f64)
    _, covariance = random_gaussian(d, 1, seed)
    change = (gaussian_entropy(matrix @ covariance @ matrix.T) - gaussian_entropy(covariance)).item()
    singular_values = torch.linalg.svdvals(matrix)
    assert change == pytest.approx(singular_values.log().sum().item(), abs=1e-10)
    assert d * singular_values[-1].log().item() < change < d * singular_values[0].log().item()


def test_a_scaled_rotation_attains_both_bounds():
    rotation = torch.linalg.qr(torch.randn(3, 3, generator=torch.Generator().manual_seed(12), dtype=f64))[0]
    x = torch.randn(4, 3, generator=torch.Generator().manual_seed(13), dtype=f64)
    step = linear_map(0.7 * rotation)
    torch.testing.assert_close(smallest_singular_value(step, x), torch.full((4,), 0.7, dtype=f64), atol=1e-12, rtol=0)
    torch.testing.assert_close(log_abs_det_jacobian(step, x), torch.full((4,), 3 * math.log(0.7), dtype=f64),
                               atol=1e-12, rtol=0)


def test_smallest_singular_value_of_a_scaled_orthogonal_tanh_rnn_matches_its_closed_form():
    # J = diag(1 − x'²) g Q with Q orthogonal: its singular values are g (1 − x'_i²),
    # the least of them g min_i (1 − x'_i²)
    rotation = torch.linalg.qr(torch.randn(4, 4, generator=torch.Generator().manual_seed(14), dtype=f64))[0]
    model = TanhRNN(1, 4, 1).double()
    with torch.no_grad():
        model.cell.weight_hh_l0.copy_(2.5 * rotation)
        model.cell.bias_hh_l0.zero_()
        model.cell.bias_ih_l0.zero_()
        x = torch.randn(6, 4, generator=torch.Generator().manual_seed(15), dtype=f64)
        expected = 2.5 * (1 - model.step(x).pow(2)).amin(-1)
        torch.testing.assert_close(smallest_singular_value(model.step, x), expected, atol=1e-10, rtol=0)
        assert (log_abs_det_jacobian(model.step, x) >= 4 * expected.log() - 1e-10).all()


# bad input


@pytest.mark.parametrize("covariance, message", [
    ([[1.0]], "expected a torch.Tensor"),
    (torch.ones(3, dtype=f64), r"covariance: expected shape \(d, d\), got \(3,\)"),
    (torch.ones(2, 3, dtype=f64), r"covariance: expected shape \(3, 3\), got \(2, 3\)"),
    (torch.eye(2, dtype=torch.int64), "floating-point"),
    (torch.tensor([[1.0, 0.5], [0.0, 1.0]], dtype=f64), "symmetric"),
    (torch.tensor([[1.0, 2.0], [2.0, 1.0]], dtype=f64), "positive-definite"),
])
def test_gaussian_entropy_rejects_bad_covariances(covariance, message):
    with pytest.raises(ValueError, match=message):
        gaussian_entropy(covariance)


@pytest.mark.parametrize("samples, k, message", [
    (torch.ones(5, dtype=f64), 3, r"samples: expected shape \(N, d\) or \(B, N, d\), got \(5,\)"),
    (torch.ones(2, 3, 4, 5, dtype=f64), 3, r"samples: expected shape \(N, d\) or \(B, N, d\), got \(2, 3, 4, 5\)"),
    ([[0.0, 1.0]], 3, "expected a torch.Tensor"),
    (torch.ones(3, 2, dtype=f64), 3, "more than k=3 samples per cloud, got 3"),
    (torch.ones(10, 2, dtype=f64), 0, "k: expected a positive integer"),
    (torch.full((10, 2), float("nan"), dtype=f64), 3, "finite"),
])
def test_estimator_rejects_bad_samples(samples, k, message):
    with pytest.raises(ValueError, match=message):
        kozachenko_leonenko_entropy(samples, k=k)
