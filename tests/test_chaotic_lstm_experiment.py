"""The chaotic-LSTM experiment: its cost, gradient, band and landscape against first principles."""
import dataclasses

import numpy as np
import pytest
import torch

from rnnattr.experiments.chaotic_lstm import (
    ChaoticLSTMConfig,
    chaotic_band,
    cost_and_gradient,
    landscape_2d,
    largest_lyapunov_exponent,
    run,
)

f64 = torch.float64
SMALL = ChaoticLSTMConfig(n_values=61, lyapunov_steps=400, lyapunov_transient=100, grid_size=11)


def test_cost_is_zero_at_the_true_parameters_and_positive_elsewhere():
    _, cost, _ = cost_and_gradient(torch.tensor([1.0, 0.6, 1.8], dtype=f64), SMALL)
    assert cost[0] < 1e-12 and (cost[1:] > 1e-4).all()  # 0 up to rounding: member and reference run at different batch sizes


@pytest.mark.parametrize("value", [0.6, 1.8])  # non-chaotic: V is smooth there
def test_cost_gradient_matches_finite_differences(value):
    eps = 1e-6
    s = torch.tensor([value, value - eps, value + eps], dtype=f64)
    _, cost, gradient = cost_and_gradient(s, SMALL)
    assert gradient[0].item() == pytest.approx(((cost[2] - cost[1]) / (2 * eps)).item(), rel=1e-4)


def test_lyapunov_exponent_marks_the_papers_chaotic_band():
    s = torch.tensor([0.5, 1.0, 1.3, 1.9], dtype=f64)
    exponent = largest_lyapunov_exponent(s, SMALL)
    assert exponent[0] < -0.3 and exponent[3] < -0.3
    assert exponent[1] > 0.05 and exponent[2] > 0.05


def test_chaotic_band_edges():
    s = torch.linspace(0.0, 1.0, 11, dtype=f64)
    exponent = torch.tensor([-1, -1, 0.2, -0.1, 0.3, 0.5, -1, -1, -1, -1, -1], dtype=f64)
    assert chaotic_band(s, exponent) == pytest.approx((0.2, 0.5))
    assert np.isnan(chaotic_band(s, -torch.ones(11, dtype=f64))).all()


def test_landscape_line_b0_is_figure_1_cost():
    a, b, cost_2d = landscape_2d(SMALL)
    assert b[SMALL.grid_size // 2] == 0
    _, cost, _ = cost_and_gradient(a, SMALL)
    torch.testing.assert_close(cost_2d[SMALL.grid_size // 2], cost, atol=1e-12, rtol=0)


def test_run_returns_consistent_arrays():
    result = run(dataclasses.replace(SMALL, n_values=7))
    assert result["h1"].shape == (7, SMALL.n_steps - SMALL.burn_in)
    assert result["cost_2d"].shape == (SMALL.grid_size, SMALL.grid_size)
    assert all(np.isfinite(value).all() for value in result.values())


@pytest.mark.parametrize("change, message", [
    (dict(n_values=0), "n_values: expected a positive integer, got 0"),
    (dict(burn_in=200), "burn_in: expected 0 <= burn_in < n_steps=200, got 200"),
    (dict(lyapunov_transient=-1), "lyapunov_transient: expected"),
    (dict(s_max=0.1), "s_max: expected s_max > s_min=0.5, got 0.1"),
])
def test_bad_config_is_rejected(change, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(ChaoticLSTMConfig(), **change)


def test_unknown_size_names_the_allowed_ones():
    with pytest.raises(ValueError, match=r"size: expected one of \['full', 'reduced'\], got 'huge'"):
        ChaoticLSTMConfig.preset("huge")
