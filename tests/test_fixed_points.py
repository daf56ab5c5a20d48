"""fixed_points against closed-form fixed points and multipliers, batched against looped."""
import math

import pytest
import torch
from scipy.optimize import brentq

from rnnattr import TanhRNN, henon_map, jacobian, linear_map, logistic_map
from rnnattr.dynamics.fixed_points import classify_stability, fixed_points, kinetic_energy

f64 = torch.float64


def tanh_line(w):
    return lambda x, u=None: torch.tanh(w * x)


def interval(low, high):
    return {"low": torch.tensor([low], dtype=f64), "high": torch.tensor([high], dtype=f64)}


def test_henon_fixed_points_match_the_closed_form_and_are_saddles():
    a, b = 1.4, 0.3
    # x* solves a x² + (1 − b) x − 1 = 0 and y* = b x*
    xs = [(-(1 - b) + sign * math.sqrt((1 - b) ** 2 + 4 * a)) / (2 * a) for sign in (-1, 1)]
    expected = torch.tensor([[x, b * x] for x in xs], dtype=f64)  # ascending x, as returned
    found = fixed_points(henon_map(a, b), low=torch.full((2,), -2.0, dtype=f64), high=torch.full((2,), 2.0, dtype=f64),
                         n_starts=64, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(found.points, expected, atol=1e-8, rtol=0)
    assert found.stability == ("saddle", "saddle")
    # the Jacobian [[−2 a x, 1], [b, 0]] has eigenvalues −a x ± sqrt(a² x² + b)
    for (x, _), values in zip(expected.tolist(), found.eigenvalues):
        roots = sorted([-a * x + math.sqrt(a * a * x * x + b), -a * x - math.sqrt(a * a * x * x + b)], key=abs, reverse=True)
        torch.testing.assert_close(values, torch.tensor(roots, dtype=torch.complex128), atol=1e-10, rtol=0)
    assert (found.residuals < 1e-24).all()


def test_logistic_map_fixed_points_and_multipliers():
    r = 2.5
    found = fixed_points(logistic_map(r), n_starts=32, generator=torch.Generator().manual_seed(1), **interval(-0.5, 1.5))
    torch.testing.assert_close(found.points[:, 0], torch.tensor([0.0, 1 - 1 / r], dtype=f64), atol=1e-12, rtol=0)
    # f'(x) = r (1 − 2x): r at 0, 2 − r at 1 − 1/r
    torch.testing.assert_close(found.eigenvalues[:, 0].real, torch.tensor([r, 2 - r], dtype=f64), atol=1e-12, rtol=0)
    assert found.stability == ("unstable", "stable")


def test_tanh_pitchfork_fixed_points_are_found_once_each():
    x_star = brentq(lambda x: x - math.tanh(2 * x), 0.5, 1.5, xtol=1e-15)
    starts = torch.linspace(-2, 2, 200, dtype=f64)[:, None].repeat(2, 1)  # 400 starts, each twice
    found = fixed_points(tanh_line(2.0), starts=starts)
    torch.testing.assert_close(found.points[:, 0], torch.tensor([-x_star, 0.0, x_star], dtype=f64), atol=1e-12, rtol=0)
    assert found.stability == ("stable", "unstable", "stable")
    # labels follow the multiplier f'(x*) = 2 (1 − x*²)
    multipliers = 2 * (1 - found.points[:, 0] ** 2)
    torch.testing.assert_close(found.eigenvalues[:, 0].real, multipliers, atol=1e-12, rtol=0)
    assert [label == "stable" for label in found.stability] == (multipliers.abs() < 1).tolist()


def test_batched_search_equals_per_start_loop():
    weight = torch.tensor([[2.0, 0.4], [0.4, 2.0]], dtype=f64)
    step = lambda x, u=None: torch.tanh(x @ weight.T + torch.tensor([0.15, -0.1], dtype=f64))  # noqa: E731
    starts = torch.rand(12, 2, generator=torch.Generator().manual_seed(2), dtype=f64) * 2.4 - 1.2
    batched = fixed_points(step, starts=starts, n_iterations=50)
    looped = [fixed_points(step, starts=starts[i : i + 1], n_iterations=50) for i in range(len(starts))]
    looped_points = torch.cat([result.points for result in looped])  # one per start (all converge here)
    assert len(looped_points) == len(starts)
    # every start's point is one of the batched points, and every batched point is some start's
    distance = torch.cdist(looped_points, batched.points)  # (12, P)
    assert distance.amin(dim=1).max() < 1e-12 and distance.amin(dim=0).max() < 1e-12
    for result, nearest in zip(looped, distance.argmin(dim=1).tolist()):
        assert result.stability[0] == batched.stability[nearest]


def test_per_start_inputs_equal_separate_searches_per_input():
    w = torch.tensor([0.5, 2.0, 3.0], dtype=f64)
    starts = torch.linspace(-1.5, 1.5, 7, dtype=f64)
    swept = fixed_points(lambda x, u: torch.tanh(u * x), w.repeat_interleave(7)[:, None],
                         starts=starts.repeat(3)[:, None], n_iterations=50)
    for value in w.tolist():
        alone = fixed_points(tanh_line(value), starts=starts[:, None], n_iterations=50)
        mine = swept.inputs[:, 0] == value
        torch.testing.assert_close(swept.points[mine], alone.points, atol=1e-12, rtol=0)
        assert tuple(label for label, keep in zip(swept.stability, mine) if keep) == alone.stability
    assert len(swept) == 1 + 3 + 3  # the origin only for w < 1; three points beyond


def test_shared_constant_input_is_broadcast_to_every_start():
    # x' = 0.5 x + u has the single fixed point x* = 2u
    step = lambda x, u: 0.5 * x + u  # noqa: E731
    found = fixed_points(step, torch.tensor([0.3, -0.1], dtype=f64), starts=torch.randn(5, 2, dtype=f64))
    torch.testing.assert_close(found.points, torch.tensor([[0.6, -0.2]], dtype=f64), atol=1e-12, rtol=0)
    torch.testing.assert_close(found.inputs, torch.tensor([[0.3, -0.1]], dtype=f64))


def test_rotation_fixed_point_is_marginal_and_labels_follow_moduli():
    angle = 0.3
    rotation = torch.tensor([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]], dtype=f64)
    found = fixed_points(linear_map(rotation), starts=torch.randn(4, 2, dtype=f64))
    torch.testing.assert_close(found.points, torch.zeros(1, 2, dtype=f64), atol=1e-12, rtol=0)
    assert found.stability == ("marginal",)
    values = torch.tensor([[0.5, 0.2], [1.5, 2.0], [1.5, 0.2], [1.0, 0.2], [0.9999999, 3.0]], dtype=torch.complex128)
    assert classify_stability(values) == ("stable", "unstable", "saddle", "marginal", "marginal")
    assert classify_stability(values, margin=0.0)[-1] == "saddle"


def test_slow_points_are_dropped_with_a_warning():
    # f(x) − x = 0.1 + x² never vanishes: q has a minimum q = 0.005 at x = 0, a slow point
    step = lambda x, u=None: x + 0.1 + x**2  # noqa: E731
    assert kinetic_energy(step, torch.zeros(1, 1, dtype=f64)).item() == pytest.approx(0.005)
    with pytest.warns(RuntimeWarning, match="none of 16 starts reached q < 1e-12"):
        found = fixed_points(step, n_starts=16, **interval(-1.0, 1.0))
    assert len(found) == 0 and found.points.shape == (0, 1) and found.eigenvalues.shape == (0, 1)


def test_network_fixed_points_are_exact_and_leave_parameter_gradients_alone():
    torch.manual_seed(3)
    model = TanhRNN(1, 6, 1, gain=2.0).double()
    found = fixed_points(model.step, low=torch.full((6,), -1.0, dtype=f64), high=torch.full((6,), 1.0, dtype=f64),
                         n_starts=16, n_iterations=100, generator=torch.Generator().manual_seed(3))
    assert len(found) >= 1
    with torch.no_grad():
        assert (model.step(found.points) - found.points).abs().max() < 1e-10
        spectrum = torch.linalg.eigvals(jacobian(model.step, found.points))
    torch.testing.assert_close(found.eigenvalues.abs(), spectrum.abs().sort(dim=1, descending=True).values)
    assert all(parameter.grad is None for parameter in model.parameters())


@pytest.mark.parametrize("kwargs, message", [
    ({}, "starts: expected either starts"),
    ({"starts": torch.zeros(3, 1), "low": torch.zeros(1), "high": torch.ones(1)}, "starts: expected either starts"),
    ({"starts": torch.zeros(3)}, r"starts: expected shape \(B, d\), got \(3,\)"),
    ({"low": torch.zeros(2), "high": torch.ones(3)}, r"high: expected shape \(2,\), got \(3,\)"),
    ({"low": torch.zeros(1), "high": torch.ones(1), "n_starts": 0}, "n_starts: expected a positive integer, got 0"),
    ({"starts": torch.zeros(3, 1), "u": torch.zeros(2, 1)}, r"u: expected shape \(3, m\), got \(2, 1\)"),
    ({"starts": torch.zeros(3, 1), "u": torch.zeros(3, 1, 1)}, r"u: expected None, shape \(m,\) or shape \(3, m\)"),
    ({"starts": torch.zeros(3, 1), "tolerance": 0.0}, "tolerance: expected a positive number, got 0.0"),
    ({"starts": torch.zeros(3, 1), "distance": -1.0}, "distance: expected a positive number"),
    ({"starts": torch.zeros(3, 1), "margin": -0.1}, "margin: expected a non-negative number"),
    ({"starts": torch.zeros(3, 1), "n_newton": -1}, "n_newton: expected a non-negative integer"),
    ({"starts": torch.zeros(3, 1, dtype=torch.int64)}, "starts: expected a floating-point tensor"),
])
def test_bad_input_is_rejected_with_a_message_naming_the_argument(kwargs, message):
    kwargs = dict(kwargs)
    u = kwargs.pop("u", None)
    with pytest.raises(ValueError, match=message):
        fixed_points(logistic_map(), u, **kwargs)
