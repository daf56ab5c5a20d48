"""Models: the fast path equals the analysis path, and each model's defining property holds."""
import pytest
import torch
from torch import nn

from rnnattr import (
    GRU,
    LSTM,
    OrthogonalRNN,
    StableLSTM,
    TanhRNN,
    chaotic_lstm,
    jacobian,
    lyapunov_spectrum,
    orbit,
    sample_box,
    tangent_step,
    theta_true,
)
from rnnattr.models.factory import MODEL_LABELS, model_label

f64 = torch.float64
MODELS = [LSTM, StableLSTM, OrthogonalRNN, TanhRNN, GRU]


@pytest.mark.parametrize("model_class", MODELS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("with_x0", [False, True], ids=["zero_x0", "given_x0"])
def test_forward_equals_rolled_step_and_readout(model_class, with_x0):
    torch.manual_seed(0)
    model = model_class(3, 6, 2).double()
    u = torch.randn(4, 25, 3, dtype=f64)
    x0 = torch.randn(4, model.state_dim, dtype=f64) * 0.5 if with_x0 else None
    y, x_last = model(u, x0)
    states = orbit(model.step, model.initial_state(4).double() if x0 is None else x0, inputs=u)  # (4, 25, d)
    torch.testing.assert_close(y, model.readout(states), atol=1e-12, rtol=0)
    torch.testing.assert_close(x_last, states[:, -1], atol=1e-12, rtol=0)


@pytest.mark.parametrize("make", [lambda: TanhRNN(2, 7, 1, gain=2.0), lambda: LSTM(2, 7, 1),
                                  lambda: StableLSTM(2, 7, 1), lambda: GRU(2, 7, 1), lambda: GRU(2, 7, 1, bias=False)],
                         ids=["TanhRNN", "LSTM", "StableLSTM", "GRU", "GRU_no_bias"])
def test_closed_form_tangent_step_equals_forward_mode_and_so_do_its_gradients(make):
    torch.manual_seed(0)
    model = make().double()
    x, u = torch.randn(5, model.state_dim, dtype=f64) * 0.5, torch.randn(5, 2, dtype=f64)
    tangents = torch.randn(5, model.state_dim, 4, dtype=f64)

    def generic(state, drive):  # the same map, not the bound method: forward-mode jvp path
        return model.step(state, drive)

    fast, slow = tangent_step(model.step, x, u, tangents), tangent_step(generic, x, u, tangents)
    for a, b in zip(fast, slow):
        torch.testing.assert_close(a, b, atol=1e-13, rtol=0)
    weight = model.cell.weight_hh_l0
    fast_grad, = torch.autograd.grad(fast[1].square().sum(), weight)
    slow_grad, = torch.autograd.grad(slow[1].square().sum(), weight)
    torch.testing.assert_close(fast_grad, slow_grad, atol=1e-12, rtol=0)


@pytest.mark.parametrize("values, n_steps", [([0.5, 0.7, 1.6, 2.0], 200), ([0.95, 1.0, 1.3], 30)], ids=["calm", "chaotic"])
def test_chaotic_lstm_family_matches_one_nn_lstm_per_s(values, n_steps):
    # nn.LSTM's matrix products round differently from the family's multiply-adds; chaos
    # amplifies that by e^(0.2 t), so chaotic members are compared over 30 steps only.
    s = torch.tensor(values, dtype=f64)
    family = chaotic_lstm(s, dtype=f64)
    batched = family.readout(orbit(family.step, family.initial_state(), n_steps))  # (S, n_steps, 2)
    for i, value in enumerate(s.tolist()):
        reference = nn.LSTM(1, 2, bias=False, batch_first=True).double()
        with torch.no_grad():
            reference.weight_hh_l0.copy_(value * theta_true(f64))
            reference.weight_ih_l0.zero_()
        h0 = torch.full((1, 1, 2), 0.5, dtype=f64)
        hs, _ = reference(torch.zeros(1, n_steps, 1, dtype=f64), (h0, h0.clone()))
        torch.testing.assert_close(batched[i], hs[0], atol=1e-12, rtol=0)


def test_chaotic_lstm_float_and_tensor_agree():
    single, swept = chaotic_lstm(1.2, dtype=f64), chaotic_lstm(torch.tensor([0.7, 1.2], dtype=f64), dtype=f64)
    torch.testing.assert_close(orbit(single.step, single.initial_state(1), 50)[0],
                               orbit(swept.step, swept.initial_state(), 50)[1])


def test_orthogonal_weight_stays_orthogonal_after_1000_adam_steps():
    torch.manual_seed(1)
    model = OrthogonalRNN(2, 32, 1)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    u, target = torch.randn(8, 20, 2), torch.randn(8, 20, 1)
    start = model.recurrent_weight().detach().clone()
    for _ in range(1000):
        optimiser.zero_grad()
        nn.functional.mse_loss(model(u)[0], target).backward()
        optimiser.step()
    weight = model.recurrent_weight().detach()
    assert (weight - start).abs().max() > 0.1  # it trained
    assert torch.linalg.matrix_norm(weight.T @ weight - torch.eye(32), ord=2) < 1e-5


def test_henaff_initialisation_is_a_block_rotation():
    weight = OrthogonalRNN(1, 6, 1).double().recurrent_weight().detach()
    eigenvalues = torch.linalg.eigvals(weight)
    torch.testing.assert_close(eigenvalues.abs(), torch.ones(6, dtype=f64))
    off_block = weight.clone()
    for j in range(0, 6, 2):
        off_block[j : j + 2, j : j + 2] = 0
    assert off_block.abs().max() < 1e-12


def test_orthogonal_weight_cache_follows_parameter_updates():
    model = OrthogonalRNN(1, 8, 1)
    with torch.no_grad():
        first = model.recurrent_weight()
        assert model.recurrent_weight() is first  # cached, no second matrix exponential
        model.skew_upper.add_(0.1)
        updated = model.recurrent_weight()
    torch.testing.assert_close(updated, model.recurrent_weight().detach())  # equals a fresh computation
    assert not torch.allclose(updated, first)


def stable_lstm_box(model: StableLSTM):
    """States and inputs inside the box the Miller-Hardt bounds assume: |h| ≤ 1, |u| ≤ 1,
    and |c| ≤ 1 / (1 − f_max), the bound on c implied by the largest possible forget gate."""
    cell, H = model.cell, model.hidden_size
    forget_bias = (cell.bias_ih_l0 + cell.bias_hh_l0)[H : 2 * H].detach().abs().max()
    f_max = torch.sigmoid(model.RECURRENT_BOUNDS["f"] + model.FORGET_INPUT_BOUND + forget_bias)
    c_max = float(1 / (1 - f_max))
    low = torch.tensor([-1.0] * H + [-c_max] * H, dtype=f64)
    return low, -low


def test_stable_lstm_projection_bounds_rows_and_is_idempotent():
    torch.manual_seed(2)
    model = StableLSTM(3, 20, 1).double()
    with torch.no_grad():
        model.cell.weight_hh_l0.mul_(50)
        model.cell.weight_hh_l0[0].fill_(1e-4)  # a row already inside its bound must stay untouched
        model.cell.weight_ih_l0.mul_(50)
    pointer, untouched = model.cell.weight_hh_l0.data_ptr(), model.cell.weight_hh_l0[0].clone()
    model.project_()
    assert model.cell.weight_hh_l0.data_ptr() == pointer  # edited in place: cuDNN keeps its weights
    torch.testing.assert_close(model.cell.weight_hh_l0[0], untouched)
    H = model.hidden_size
    for block, bound in enumerate(model.RECURRENT_BOUNDS.values()):
        rows = model.cell.weight_hh_l0[block * H : (block + 1) * H].abs().sum(dim=1)
        assert rows.max() <= bound * (1 + 1e-12)
        assert rows.max() >= bound * (1 - 1e-12)  # scaled onto the bound, not below it
    assert model.cell.weight_ih_l0[H : 2 * H].abs().sum(dim=1).max() <= model.FORGET_INPUT_BOUND * (1 + 1e-12)
    before = model.cell.weight_hh_l0.clone()
    model.project_()
    torch.testing.assert_close(model.cell.weight_hh_l0, before, atol=1e-15, rtol=0)


def test_projected_stable_lstm_is_contractive_in_the_infinity_norm_but_plain_lstm_is_not():
    torch.manual_seed(3)
    stable = StableLSTM(3, 20, 1).double()
    with torch.no_grad():  # an optimiser step that left the stable set
        for weight in (stable.cell.weight_hh_l0, stable.cell.weight_ih_l0):
            weight.add_(torch.randn_like(weight))
    stable.project_()
    generator = torch.Generator().manual_seed(4)
    low, high = stable_lstm_box(stable)
    x = sample_box(2000, low, high, generator)
    u = sample_box(2000, -torch.ones(3, dtype=f64), torch.ones(3, dtype=f64), generator)
    norms = torch.linalg.matrix_norm(jacobian(stable.step, x, u), ord=float("inf"))
    assert norms.max() < 1
    plain = LSTM(3, 20, 1).double()
    with torch.no_grad():
        plain.cell.weight_hh_l0.copy_(stable.cell.weight_hh_l0 * 4)
    assert torch.linalg.matrix_norm(jacobian(plain.step, x, u), ord=float("inf")).max() > 1


def test_gru_with_its_update_gate_held_open_copies_its_state_and_its_exponents_are_zero():
    # z = σ(60) = 1 in float64: h' = (1 − z) n + z h = h whatever the input, so D = I and every λ = 0
    torch.manual_seed(6)
    model = GRU(2, 5, 1).double()
    with torch.no_grad():
        model.cell.bias_hh_l0[5:10] = 60.0
    x, u = torch.randn(3, 5, dtype=f64), torch.randn(3, 40, 2, dtype=f64)
    torch.testing.assert_close(model.step(x, u[:, 0]), x, atol=1e-15, rtol=0)
    torch.testing.assert_close(jacobian(model.step, x, u[:, 0]), torch.eye(5, dtype=f64).expand(3, 5, 5))
    assert lyapunov_spectrum(model.step, x, u).abs().max() < 1e-14


def test_tanh_rnn_gain_sets_the_spectral_radius():
    torch.manual_seed(5)
    weight = TanhRNN(1, 400, 1, gain=3.0).cell.weight_hh_l0.detach()
    assert torch.linalg.eigvals(weight).abs().max().item() == pytest.approx(3.0, rel=0.1)  # circular law


@pytest.mark.parametrize("call, message", [
    (lambda: LSTM(3, 4, 1)(torch.zeros(2, 5)), r"u: expected shape \(B, T, 3\), got \(2, 5\)"),
    (lambda: LSTM(3, 4, 1)(torch.zeros(2, 5, 2)), r"u: expected shape \(B, T, 3\), got \(2, 5, 2\)"),
    (lambda: LSTM(3, 4, 1)(torch.zeros(2, 5, 3), torch.zeros(2, 4)), r"x0: expected shape \(2, 8\), got \(2, 4\)"),
    (lambda: TanhRNN(1, 4, 1).step(torch.zeros(2, 3)), r"x: expected shape \(B, 4\), got \(2, 3\)"),
    (lambda: OrthogonalRNN(2, 4, 1).step(torch.zeros(2, 4), torch.zeros(3, 2)), r"u: expected shape \(2, 2\), got \(3, 2\)"),
    (lambda: LSTM(3, 0, 1), "hidden_size: expected a positive integer, got 0"),
    (lambda: TanhRNN(1, 4, 1, gain=-1.0), "gain: expected a positive number"),
    (lambda: OrthogonalRNN(1, 4, 1).initial_state(0), "batch_size: expected a positive integer, got 0"),
    (lambda: chaotic_lstm(torch.tensor([])), r"s: expected a float or a non-empty 1-D tensor of shape \(S,\), got shape \(0,\)"),
    (lambda: chaotic_lstm(torch.ones(2, 2)), r"got shape \(2, 2\)"),
    (lambda: chaotic_lstm(torch.tensor([1, 2])), "s: expected a floating-point tensor"),
    (lambda: chaotic_lstm("1.0"), "s: expected a float"),
    (lambda: chaotic_lstm(torch.ones(3)).step(torch.zeros(2, 4)), r"x: expected shape \(3, 4\)"),
])
def test_bad_input_is_rejected_with_a_message_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_model_label_names_the_books_models_and_keeps_any_other_run_key():
    assert [model_label(name) for name in MODEL_LABELS] == list(MODEL_LABELS.values())
    assert model_label("2-layer nn.GRU") == "2-layer nn.GRU"  # a reader's own run, as the sine plots show it
