"""The entropy-bound experiment: its maps and curves against closed forms."""
import math

import numpy as np
import pytest
import torch

from rnnattr import linear_map, lipschitz_estimate
from rnnattr.entropy import gaussian_entropy, log_abs_det_jacobian
from rnnattr.experiments.entropy_bounds import (
    EntropyBoundsConfig,
    entropy_along_orbit,
    random_rotation,
    run_linear,
    run_tanh,
    scaled_orthogonal_rnn,
    volume_preserving_non_normal,
)

f64 = torch.float64
SMALL = EntropyBoundsConfig(state_dim=4, n_samples=400, n_steps=5, lyapunov_steps=50, lyapunov_transient=10)


def test_non_normal_map_preserves_volume_and_its_covariance_but_has_norm_above_one():
    shear, covariance = volume_preserving_non_normal(6, torch.Generator().manual_seed(0))
    assert abs(torch.linalg.det(shear).item()) == pytest.approx(1.0, abs=1e-12)
    torch.testing.assert_close(shear @ covariance @ shear.T, covariance, atol=1e-12, rtol=0)
    assert 1.0 < torch.linalg.matrix_norm(shear, ord=2).item() <= 2.0 + 1e-12  # ≤ cond(P) = 2


@pytest.mark.parametrize("gain", [0.5, 1.0, 3.0])
def test_scaled_orthogonal_rnn_has_lipschitz_constant_gain_reached_at_the_origin(gain):
    model = scaled_orthogonal_rnn(random_rotation(4, torch.Generator().manual_seed(1)), gain)
    origin = torch.zeros(1, 4, dtype=f64)
    elsewhere = torch.randn(50, 4, generator=torch.Generator().manual_seed(3), dtype=f64)
    with torch.no_grad():
        assert lipschitz_estimate(model.step, origin).item() == pytest.approx(gain, rel=1e-12)
        assert lipschitz_estimate(model.step, elsewhere).item() < gain
        assert log_abs_det_jacobian(model.step, origin).item() == pytest.approx(4 * math.log(gain), abs=1e-12)


def test_identity_along_a_linear_orbit_is_the_exact_gaussian_entropy():
    matrix = torch.tensor([[1.1, 0.4, 0.0], [0.0, 0.7, 0.2], [0.3, 0.0, 0.9]], dtype=f64)
    x0 = torch.randn(1500, 3, generator=torch.Generator().manual_seed(2), dtype=f64)
    h0 = gaussian_entropy(torch.eye(3, dtype=f64)).item()
    estimate, identity = entropy_along_orbit(linear_map(matrix), x0, 4, h0, k=3)
    powers = torch.stack([torch.linalg.matrix_power(matrix, t) for t in range(5)])
    exact = gaussian_entropy(powers @ powers.mT)  # Σ_t = A^t A^tᵀ
    torch.testing.assert_close(identity, exact, atol=1e-10, rtol=0)
    assert (estimate - exact).abs().max() < 0.1


def test_linear_run_attains_the_bound_with_a_scaled_rotation_and_beats_it_otherwise():
    result = run_linear(SMALL)
    t, norm = np.arange(SMALL.n_steps + 1), float(result["linear_non_normal_norm"])
    np.testing.assert_allclose(result["linear_isotropic_exact"], result["linear_bound"], atol=1e-9)
    np.testing.assert_allclose(result["linear_non_normal_exact"],
                               result["linear_bound"] - t * SMALL.state_dim * math.log(norm), atol=1e-9)


def test_linear_run_lies_between_the_lower_and_the_upper_bound():
    # ℓ = σ_min(A): the scaled rotation has ℓ = L_f (both bounds attained), the non-normal map ℓ < L_f
    result = run_linear(SMALL)
    gains = np.array(SMALL.gains)
    np.testing.assert_allclose(result["linear_isotropic_lower_lipschitz"], gains, rtol=1e-12)
    np.testing.assert_allclose(result["linear_isotropic_lower_bound"], result["linear_bound"], atol=1e-9)
    assert (result["linear_non_normal_lower_lipschitz"] < gains).all()
    exact = result["linear_non_normal_exact"][:, 1:]
    assert (result["linear_non_normal_lower_bound"][:, 1:] < exact).all()
    assert (exact < result["linear_bound"][:, 1:]).all()


def test_tanh_run_keeps_the_exact_entropy_above_its_lower_bound():
    result = run_tanh(SMALL)
    identity, lower = result["tanh_identity"], result["tanh_lower_bound"]
    assert lower.shape == identity.shape and result["tanh_lower_lipschitz"].shape == (2, 3, SMALL.n_steps)
    assert (identity >= lower - 1e-9).all()
    # on the narrow cloud the first step is practically the linearisation g Q: ℓ ≈ L_f = g
    np.testing.assert_allclose(result["tanh_lower_lipschitz"][0, :, 0], SMALL.gains, rtol=1e-3)
    assert (result["tanh_lower_lipschitz"] <= np.array(SMALL.gains)[None, :, None] + 1e-12).all()


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="state_dim: expected an even number"):
        EntropyBoundsConfig(state_dim=5)
    with pytest.raises(ValueError, match="lyapunov_transient"):
        EntropyBoundsConfig(lyapunov_steps=10, lyapunov_transient=10)
    with pytest.raises(ValueError, match="size: expected one of"):
        EntropyBoundsConfig.preset("huge")
