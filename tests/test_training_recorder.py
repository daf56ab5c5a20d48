"""Orbit recording during training: one batched simulation equals a loop over inputs and states."""
import numpy as np
import torch

from rnnattr.dynamics.jacobian import jacobian
from rnnattr.models import LSTM, OrthogonalRNN, StableLSTM
from rnnattr.training.recorder import OrbitRecorder, constant_input_orbits, fixed_point_eigenvalues


def test_batched_orbits_equal_a_loop_of_fast_forward_passes():
    torch.manual_seed(0)
    inputs = torch.tensor([[0.2], [0.3], [-0.5]], dtype=torch.float64)
    for model in (LSTM(1, 6, 2).double(), OrthogonalRNN(1, 6, 2).double()):
        starts = torch.randn(4, model.state_dim, dtype=torch.float64)
        outputs, states = constant_input_orbits(model, inputs, starts, burn_in=30, n_kept=20)
        for i, u in enumerate(inputs):
            for s, x0 in enumerate(starts):
                # the other path: nn.LSTM / the forward loop on a constant sequence, one member at a time
                y, _ = model(u.expand(1, 50, 1), x0[None])
                torch.testing.assert_close(outputs[i, s], y[0, 30:], rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(model.readout(states), outputs)


def test_fixed_point_eigenvalues_of_a_contraction_match_the_jacobian_where_orbits_converge():
    torch.manual_seed(1)
    model = StableLSTM(1, 5, 1).double()
    u = torch.tensor([0.3], dtype=torch.float64)
    _, states = constant_input_orbits(model, u[None], torch.randn(3, 10, dtype=torch.float64), 0, 400)
    limit = states[0, 0, -1:]  # a contraction: every orbit ends at its unique fixed point
    expected = torch.linalg.eigvals(jacobian(model.step, limit, u[None]))[0]
    expected = expected[expected.abs().argsort(descending=True)]
    found = fixed_point_eigenvalues(model, u, states[0, :, -1] + 0.1, n_eigenvalues=10)  # starts off the point
    torch.testing.assert_close(found.abs(), expected.abs(), rtol=1e-8, atol=1e-10)
    assert (found.abs() < 1).all()


def test_recorder_records_on_schedule_and_sub_samples_for_the_result():
    torch.manual_seed(2)
    model = LSTM(1, 4, 1)
    recorder = OrbitRecorder(torch.tensor([[0.1], [0.2]]), torch.zeros(3, 8), burn_in=5, n_kept=7, every=4,
                             eigenvalue_inputs=(1,), n_eigenvalues=3, eigenvalue_every=8)
    epochs = [e for e in range(0, 19) if recorder.due(e, last=e == 18)]
    assert epochs == [0, 4, 8, 12, 16, 18]
    for epoch in epochs:
        recorder.record(model, epoch, last=epoch == 18)
    assert recorder.eigenvalue_epochs == [0, 8, 16, 18]
    assert not recorder.due(18, last=True)  # already recorded
    expected, _ = constant_input_orbits(model, recorder.inputs, recorder.initial_states, 5, 7)
    arrays = recorder.arrays(max_records=3, max_steps=4)
    np.testing.assert_array_equal(arrays["record_epochs"], [0, 8, 18])
    np.testing.assert_array_equal(arrays["record_outputs"][-1], expected[:, :, :4].half().numpy())
    assert arrays["record_outputs"].dtype == np.float16 and arrays["eigenvalues"].shape == (4, 1, 3)


def test_recording_initial_states_are_the_reference_codes_wide_normal_or_ours_near_the_start():
    from rnnattr.training.recorder import recording_initial_states

    wide = recording_initial_states(4, 2000, 100.0, torch.Generator().manual_seed(0))
    assert abs(float(wide.std()) / 100 - 1) < 0.02 and abs(float(wide.mean())) < 5  # N(0, 100²), 8000 draws
    near = recording_initial_states(3, 50, 0.0, torch.Generator().manual_seed(0))
    assert torch.equal(near[0], torch.zeros(50)) and near[1:].abs().max() <= 1  # the training start, then U[-1, 1]
    try:
        recording_initial_states(3, 50, -1.0, torch.Generator())
    except ValueError as error:
        assert str(error).startswith("scale: expected a finite number >= 0")
    else:
        raise AssertionError("a negative scale was accepted")
