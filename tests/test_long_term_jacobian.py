"""The long-term Jacobian's condition number and back-propagated gradient norm against closed forms."""
import math

import pytest
import torch

from rnnattr import linear_map
from rnnattr.dynamics.long_term_jacobian import long_term_jacobian
from rnnattr.models import TanhRNN


def test_a_diagonal_linear_map_gives_the_ratio_of_its_eigenvalues_to_the_power_t():
    step = linear_map(torch.diag(torch.tensor([1.1, 0.8], dtype=torch.float64)))
    stats = long_term_jacobian(step, torch.zeros(2, 2, dtype=torch.float64), [1, 10, 100, 40],
                               direction=torch.tensor([1.0, 0.0], dtype=torch.float64))
    horizons = torch.tensor([1, 10, 40, 100])
    assert torch.equal(stats.horizons, horizons)
    expected_condition = horizons.double() * math.log10(1.1 / 0.8)
    # float64 resolves the smallest singular value to ~1e-16 of the largest: ample for κ ≤ 1e14 here
    torch.testing.assert_close(stats.log10_condition, expected_condition.double().expand(2, 4), rtol=0, atol=1e-6)
    # L = x_T[0] = 1.1^T x_0[0]: the gradient norm is 1.1^T
    torch.testing.assert_close(stats.log10_gradient_norm, (horizons.double() * math.log10(1.1)).expand(2, 4),
                               rtol=1e-10, atol=1e-10)


def test_the_condition_number_over_the_k_leading_directions():
    # diag(1.1, 1.0, 0.5): σ_1/σ_2 = 1.1^T; the whole matrix's would be 2.2^T
    step = linear_map(torch.diag(torch.tensor([1.1, 1.0, 0.5], dtype=torch.float64)))
    stats = long_term_jacobian(step, torch.zeros(1, 3, dtype=torch.float64), [10, 30], k=2)
    torch.testing.assert_close(stats.log10_condition, torch.tensor([[10.0, 30.0]], dtype=torch.float64)
                               * math.log10(1.1), rtol=0, atol=1e-9)
    with pytest.raises(ValueError, match="k: expected at most the state dimension d=3, got 4"):
        long_term_jacobian(step, torch.zeros(1, 3, dtype=torch.float64), [10], k=4)


def test_an_orthogonal_map_keeps_the_condition_number_one_and_the_gradient_norm():
    q, _ = torch.linalg.qr(torch.randn(6, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(0)))
    stats = long_term_jacobian(linear_map(q), torch.zeros(1, 6, dtype=torch.float64), [5, 500])
    assert stats.log10_condition.abs().max() < 1e-10 and stats.log10_gradient_norm.abs().max() < 1e-10


def test_batched_members_equal_single_runs_and_the_gradient_norm_equals_autograd():
    torch.manual_seed(0)
    model = TanhRNN(2, 5, 1, gain=0.9).double()
    inputs = torch.randn(3, 12, 2, dtype=torch.float64)
    x0 = torch.randn(3, 5, dtype=torch.float64) * 0.3
    stats = long_term_jacobian(model.step, x0, [2, 5], inputs)  # log10 κ ≈ 2-6: every digit resolved
    for member in range(3):
        single = long_term_jacobian(model.step, x0[member:member + 1], [2, 5], inputs[member:member + 1])
        torch.testing.assert_close(single.log10_condition[0], stats.log10_condition[member])
        start = x0[member:member + 1].clone().requires_grad_()
        x = start
        for t in range(5):
            x = model.step(x, inputs[member:member + 1, t])
        (x.sum() / math.sqrt(5)).backward()  # L = <v, x_T> with v the normalised all-ones vector
        assert math.log10(start.grad.norm().item()) == pytest.approx(stats.log10_gradient_norm[member, 1].item(),
                                                                      abs=1e-10)


@pytest.mark.parametrize("horizons, message", [([], "horizons: expected at least one"),
                                               ([0, 3], "horizons: expected a positive integer, got 0")])
def test_bad_horizons_are_named(horizons, message):
    with pytest.raises(ValueError, match=message):
        long_term_jacobian(linear_map(torch.eye(2)), torch.zeros(1, 2), horizons)
