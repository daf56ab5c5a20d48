"""The free-running (closed-loop) system against hand-rolled feedback loops and closed forms."""
import math
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F

from rnnattr import LSTM, TanhRNN, jacobian, lyapunov_spectrum, orbit
from rnnattr.dynamics.closed_loop import closed_loop

f64 = torch.float64


def identity(y):
    return y


class LinearModel:
    """x' = A x + B u, ŷ = C x: the free-running map under identity feedback is A + BC."""

    def __init__(self, a, b, c):
        self.a, self.b, self.c = a, b, c
        self.state_dim, self.input_size = b.shape

    def step(self, x, u=None):
        return x @ self.a.T + u @ self.b.T

    def readout(self, x):
        return x @ self.c.T


def make_model(cell, input_size=1, output_size=1, hidden_size=5):
    torch.manual_seed(0)
    if cell == "tanh":
        return TanhRNN(input_size, hidden_size, output_size, gain=1.5).double()
    return LSTM(input_size, hidden_size, output_size).double()


@pytest.mark.parametrize("cell", ["tanh", "lstm"])
def test_batched_orbit_equals_looped_feedback_through_the_fast_forward(cell):
    model = make_model(cell)
    x0 = torch.randn(4, model.state_dim, generator=torch.Generator().manual_seed(1), dtype=f64) * 0.5
    batched = orbit(closed_loop(model, identity), x0, n_steps=40)
    with torch.no_grad():
        for member in range(4):
            x, states = x0[member : member + 1], []
            for _ in range(40):
                # the fast path (nn.RNN / nn.LSTM), one step at a time, fed its own output
                _, x = model(model.readout(x)[:, None], x)
                states.append(x)
            torch.testing.assert_close(batched[member], torch.cat(states), atol=1e-12, rtol=0)


@pytest.mark.parametrize("cell", ["tanh", "lstm"])
def test_jacobian_matches_central_finite_differences(cell):
    model = make_model(cell, input_size=2, output_size=3)
    mixing = torch.randn(3, 2, generator=torch.Generator().manual_seed(2), dtype=f64)
    free = closed_loop(model, lambda y: torch.tanh(y @ mixing))  # a nonlinear feedback from 3 outputs to 2 inputs
    x = torch.randn(3, model.state_dim, generator=torch.Generator().manual_seed(3), dtype=f64) * 0.5
    eps, dim = 1e-6, model.state_dim
    shifts = torch.eye(dim, dtype=f64) * eps
    columns = [(free(x + shifts[j]) - free(x - shifts[j])) / (2 * eps) for j in range(dim)]
    torch.testing.assert_close(jacobian(free, x), torch.stack(columns, dim=-1), atol=1e-8, rtol=1e-6)


def linear_model_with_eigenvalues(eigenvalues, gain):
    """A, B, C with A + gain·BC = P diag(eigenvalues) P⁻¹ for random P, B, C."""
    generator = torch.Generator().manual_seed(4)
    dim = len(eigenvalues)
    basis = torch.eye(dim, dtype=f64) + 0.3 * torch.randn(dim, dim, generator=generator, dtype=f64)
    composed = basis @ torch.diag(torch.tensor(eigenvalues, dtype=f64)) @ torch.linalg.inv(basis)
    b = torch.randn(dim, 1, generator=generator, dtype=f64)
    c = torch.randn(1, dim, generator=generator, dtype=f64)
    return LinearModel(composed - gain * b @ c, b, c), composed


@pytest.mark.parametrize("gain", [1.0, -2.5])
def test_linear_model_free_runs_with_the_composed_matrix(gain):
    model, composed = linear_model_with_eigenvalues([1.05, 0.8, -0.5], gain)
    free = closed_loop(model, lambda y: gain * y)
    x0 = torch.randn(2, 3, generator=torch.Generator().manual_seed(5), dtype=f64)
    expected = torch.stack([x0 @ torch.linalg.matrix_power(composed, t).T for t in range(1, 11)], dim=1)
    torch.testing.assert_close(orbit(free, x0, n_steps=10), expected, atol=1e-12, rtol=0)
    torch.testing.assert_close(jacobian(free, x0), composed.expand(2, 3, 3), atol=1e-12, rtol=0)


def test_linear_model_exponents_are_log_moduli_of_the_composed_eigenvalues():
    model, composed = linear_model_with_eigenvalues([1.05, 0.8, -0.5], 1.0)
    exponents = lyapunov_spectrum(closed_loop(model, identity), torch.zeros(1, 3, dtype=f64), n_steps=200,
                                  transient=150)  # 0.8/1.05 to the 150th power: aligned to 1e-18
    moduli = torch.linalg.eigvals(composed).abs().sort(descending=True).values
    torch.testing.assert_close(exponents[0], moduli.log(), atol=1e-10, rtol=0)  # exact once the basis has aligned
    assert exponents[0, 0].item() == pytest.approx(math.log(1.05), abs=1e-10)
    open_loop = torch.linalg.eigvals(model.a).abs().sort(descending=True).values.log()  # the driven map's exponents
    assert (exponents[0] - open_loop).abs().max() > 0.1


def test_argmax_embedding_feedback_adds_nothing_to_the_jacobian():
    # a language model's generation mode: logits -> most likely word -> its embedding
    model = make_model("tanh", input_size=3, output_size=4, hidden_size=6)
    embedding = torch.randn(4, 3, generator=torch.Generator().manual_seed(6), dtype=f64)  # (vocabulary, m)
    free = closed_loop(model, lambda logits: embedding[logits.argmax(-1)])
    x = torch.randn(5, 6, generator=torch.Generator().manual_seed(7), dtype=f64)
    words = model.readout(x).argmax(-1)
    with torch.no_grad():
        by_one_hot = model.step(x, F.one_hot(words, 4).to(f64) @ embedding)
    torch.testing.assert_close(free(x), by_one_hot, atol=1e-14, rtol=0)
    torch.testing.assert_close(jacobian(free, x), jacobian(model.step, x, embedding[words]), atol=1e-14, rtol=0)


@pytest.mark.parametrize("call, message", [
    (lambda model, free, x: closed_loop(object(), identity), "model: expected a model with callable step and readout"),
    (lambda model, free, x: closed_loop(SimpleNamespace(step=model.step, readout=model.readout, input_size=1),
                                        identity), "model.state_dim: expected a positive integer, got None"),
    (lambda model, free, x: closed_loop(model, 3),
     r"feedback: expected a callable from outputs \(B, o\) to inputs \(B, 1\)"),
    (lambda model, free, x: closed_loop(model, lambda y: torch.cat([y, y], -1))(x),
     r"feedback\(y\): expected shape \(4, 1\), got \(4, 2\)"),
    (lambda model, free, x: free(x, torch.zeros(4, 1, dtype=f64)), r"u: expected None .*, got shape \(4, 1\)"),
    (lambda model, free, x: free(torch.zeros(4, 3, dtype=f64)), r"x: expected shape \(B, 8\), got \(4, 3\)"),
    (lambda model, free, x: orbit(free, x, n_steps=5, inputs=torch.zeros(4, 1, dtype=f64)), "u: expected None"),
], ids=["not_a_model", "no_state_dim", "feedback_not_callable", "feedback_wrong_shape", "input_given", "wrong_state",
        "orbit_with_inputs"])
def test_bad_input_is_rejected_with_a_message_naming_the_argument(call, message):
    model = make_model("tanh", hidden_size=8)
    with pytest.raises(ValueError, match=message):
        call(model, closed_loop(model, identity), torch.zeros(4, 8, dtype=f64))
