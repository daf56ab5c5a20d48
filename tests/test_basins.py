"""basin_labels on maps whose basins are known exactly, batched against looped."""
import math

import pytest
import torch
from scipy.optimize import brentq

from rnnattr import logistic_map
from rnnattr.dynamics.basins import basin_labels

f64 = torch.float64
X_STAR = brentq(lambda x: x - math.tanh(2 * x), 0.5, 1.5, xtol=1e-15)  # stable fixed points ±x* of tanh(2x)


def decoupled_pitchforks(x, u=None):
    """x' = tanh(2x) in each coordinate: the basin of (±x*, ±x*) is the open quadrant of that sign."""
    return torch.tanh(2 * x)


def quadrant_attractors():
    return [torch.tensor([[sx * X_STAR, sy * X_STAR]], dtype=f64) for sx in (-1, 1) for sy in (-1, 1)]


def test_basins_of_decoupled_pitchforks_are_the_quadrants():
    axis = torch.linspace(-1.5, 1.5, 40, dtype=f64)  # an even count: no grid point on an axis
    grid = torch.cartesian_prod(axis, axis)  # (1600, 2)
    labels = basin_labels(decoupled_pitchforks, grid, quadrant_attractors(), n_steps=60, max_distance=1e-6)
    expected = (grid[:, 0] > 0).long() * 2 + (grid[:, 1] > 0).long()  # the order of quadrant_attractors()
    torch.testing.assert_close(labels, expected)


def test_state_on_the_basin_boundary_reaches_no_listed_attractor():
    # x0 = 0 is the unstable fixed point between the basins of −x* and +x*
    x0 = torch.tensor([[-0.3], [0.0], [0.3]], dtype=f64)
    attractors = [torch.tensor([[-X_STAR]], dtype=f64), torch.tensor([[X_STAR]], dtype=f64)]
    labels = basin_labels(lambda x, u=None: torch.tanh(2 * x), x0, attractors, n_steps=50, max_distance=0.1)
    assert labels.tolist() == [0, -1, 1]
    # without a threshold the nearest attractor wins, and at 0 the two are tied: the first
    assert basin_labels(lambda x, u=None: torch.tanh(2 * x), x0, attractors, n_steps=50).tolist() == [0, 0, 1]


def test_diverging_member_is_labelled_minus_one():
    # logistic r = 4: [0, 1] is invariant (a chaotic attractor), orbits from outside escape to −∞
    attractor = torch.linspace(0, 1, 1001, dtype=f64)[:, None]
    with pytest.warns(RuntimeWarning, match="1 of 2 members diverged"):
        labels = basin_labels(logistic_map(4.0), torch.tensor([[0.3], [1.5]], dtype=f64), [attractor], n_steps=40)
    assert labels.tolist() == [0, -1]


def test_batched_labels_equal_per_state_loop():
    grid = torch.rand(50, 2, generator=torch.Generator().manual_seed(0), dtype=f64) * 3 - 1.5
    batched = basin_labels(decoupled_pitchforks, grid, quadrant_attractors(), n_steps=60)
    looped = torch.cat([basin_labels(decoupled_pitchforks, grid[i : i + 1], quadrant_attractors(), n_steps=60)
                        for i in range(len(grid))])
    torch.testing.assert_close(batched, looped)


def test_inputs_are_passed_to_the_step():
    # x' = 0.5 x + u converges to 2u: a constant input per member selects the attractor
    attractors = [torch.tensor([[-1.0]], dtype=f64), torch.tensor([[1.0]], dtype=f64)]
    labels = basin_labels(lambda x, u: 0.5 * x + u, torch.zeros(2, 1, dtype=f64), attractors, n_steps=60,
                          inputs=torch.tensor([[0.5], [-0.5]], dtype=f64))
    assert labels.tolist() == [1, 0]


@pytest.mark.parametrize("call, message", [
    (lambda: basin_labels(decoupled_pitchforks, torch.zeros(3, 2), [], 5), "attractors: expected a non-empty"),
    (lambda: basin_labels(decoupled_pitchforks, torch.zeros(3, 2), torch.zeros(1, 2), 5), "attractors: expected a non-empty"),
    (lambda: basin_labels(decoupled_pitchforks, torch.zeros(3, 2), [torch.zeros(1, 3)], 5),
     r"attractors\[0\]: expected shape \(B, 2\), got \(1, 3\)"),
    (lambda: basin_labels(decoupled_pitchforks, torch.zeros(3), [torch.zeros(1, 2)], 5), r"x0: expected shape \(B, d\)"),
    (lambda: basin_labels(decoupled_pitchforks, torch.zeros(3, 2), [torch.zeros(1, 2)], 0), "n_steps: expected a positive integer"),
    (lambda: basin_labels(decoupled_pitchforks, torch.zeros(3, 2), [torch.zeros(1, 2)], 5, max_distance=-1.0),
     "max_distance: expected None or a positive number"),
])
def test_bad_input_is_rejected_with_a_message_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()
