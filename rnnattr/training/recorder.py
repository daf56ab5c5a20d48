"""Orbit diagrams during training: the paper's "bifurcation diagram during training".

Every ``every`` epochs the recorder simulates the model under constant inputs from several
initial states, drops a burn-in, and keeps the readout outputs: plotted against the epoch,
these show attractors appear, split and vanish as training moves the weights (Ribeiro,
Tiels, Aguirre & Schön, AISTATS 2020, Section 5). Optionally it also keeps the leading
eigenvalues of the Jacobian at the fixed point inside the recorded attractor, so that a
complex pair crossing the unit circle (a Neimark–Sacker bifurcation: a fixed point gives
way to a limit cycle) can be followed epoch by epoch.
"""
from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import torch
from torch import nn

from rnnattr.dynamics.fixed_points import fixed_points
from rnnattr.dynamics.orbit import orbit
from rnnattr.validation import check_non_negative_int, check_positive_int, check_tensor


def constant_input_orbits(model: nn.Module, inputs: torch.Tensor, initial_states: torch.Tensor, burn_in: int,
                          n_kept: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Post-burn-in orbits of ``model`` under every constant input from every initial state, as ONE batch.

    Args:
        model: a :class:`rnnattr.RecurrentModel` (``step``, ``readout``).
        inputs: constant inputs, (I, m).
        initial_states: flat initial states, (S, d).
        burn_in: steps dropped before keeping any (the transient).
        n_kept: steps kept after the burn-in.

    Returns:
        ``(outputs (I, S, n_kept, o), states (I, S, n_kept, d))`` on the model's device:
        member (i, s) is the orbit from ``initial_states[s]`` under ``inputs[i]``, computed
        by :func:`rnnattr.orbit` on all I·S members at once, under ``torch.no_grad``.

    Example:
        >>> y, x = constant_input_orbits(model, torch.tensor([[0.2], [0.3]]), torch.zeros(4, model.state_dim), 1200, 100)
    """
    check_tensor("inputs", inputs, (None, model.input_size))
    check_tensor("initial_states", initial_states, (None, model.state_dim))
    check_non_negative_int("burn_in", burn_in)
    check_positive_int("n_kept", n_kept)
    n_inputs, n_states = inputs.shape[0], initial_states.shape[0]
    reference = next(model.parameters())
    with torch.no_grad():
        x0 = initial_states.to(reference).repeat(n_inputs, 1)  # (I·S, d), input-major
        u = inputs.to(reference).repeat_interleave(n_states, dim=0)  # (I·S, m)
        states = orbit(model.step, x0, burn_in + n_kept, inputs=u, burn_in=burn_in)  # (I·S, n_kept, d)
        outputs = model.readout(states)  # (I·S, n_kept, o)
    return outputs.view(n_inputs, n_states, n_kept, -1), states.view(n_inputs, n_states, n_kept, -1)


def fixed_point_eigenvalues(model: nn.Module, u: torch.Tensor, states: torch.Tensor, n_eigenvalues: int = 6,
                            *, n_starts: int = 8, n_iterations: int = 200) -> torch.Tensor:
    """The leading Jacobian eigenvalues at the fixed point of ``model`` nearest the centre of ``states``.

    Args:
        model: a :class:`rnnattr.RecurrentModel`.
        u: the constant input, (m,).
        states: states of orbits under ``u``, (N, d), e.g. a recorded attractor. Their mean
            and ``n_starts`` evenly spaced rows start the search; of the points found, the
            one closest to the mean is kept (for a limit cycle: the unstable focus it winds
            around, which the mean over whole periods is close to).
        n_eigenvalues: how many eigenvalues to return, largest modulus first.
        n_starts: how many rows of ``states`` start a search besides their mean.
        n_iterations: Adam steps of the fixed-point search (Newton steps follow).

    Returns:
        Eigenvalues (n_eigenvalues,), complex128, largest |λ| first, on the CPU; NaN where
        no fixed point was found (or the state has fewer than ``n_eigenvalues`` dimensions).

    Method: :func:`rnnattr.dynamics.fixed_points.fixed_points` (Sussillo & Barak, 2013) on a
    float64 copy of the model, since q = ½‖f(x) − x‖² must fall below 1e-12, then the
    eigenvalues of ∂f/∂x at the chosen point. All |λ| < 1: a stable fixed point; a complex
    pair with |λ| > 1: the fixed point is an unstable focus and orbits leave it, here for a
    limit cycle.

    Example:
        >>> _, states = constant_input_orbits(model, torch.tensor([[0.218]]), torch.zeros(3, model.state_dim), 1200, 200)
        >>> fixed_point_eigenvalues(model, torch.tensor([0.218]), states[0].flatten(0, 1))[:2].abs()
    """
    check_tensor("u", u, (model.input_size,))
    check_tensor("states", states, (None, model.state_dim))
    check_positive_int("n_eigenvalues", n_eigenvalues)
    check_positive_int("n_starts", n_starts)
    check_positive_int("n_iterations", n_iterations)
    result = torch.full((n_eigenvalues,), complex(math.nan, math.nan), dtype=torch.complex128)
    exact = copy.deepcopy(model).to(device="cpu", dtype=torch.float64).requires_grad_(False)
    states = states.detach().to(device="cpu", dtype=torch.float64)
    centre = states.mean(dim=0, keepdim=True)  # (1, d)
    rows = torch.linspace(0, len(states) - 1, min(n_starts, len(states))).round().long()
    with warnings.catch_warnings(), torch.enable_grad():
        warnings.simplefilter("ignore", RuntimeWarning)  # "none found" is reported as NaN instead
        found = fixed_points(exact.step, u.detach().to(device="cpu", dtype=torch.float64),
                             starts=torch.cat([centre, states[rows]]), n_iterations=n_iterations)
    if len(found) == 0:
        return result
    nearest = int((found.points - centre).norm(dim=-1).argmin())
    leading = found.eigenvalues[nearest, :n_eigenvalues]
    result[: len(leading)] = leading
    return result


def recording_initial_states(n_states: int, state_dim: int, scale: float, generator: torch.Generator) -> torch.Tensor:
    """Initial states of the orbit records, (n_states, state_dim), drawn with ``generator``.

    ``scale > 0``: every state ~ N(0, scale²), as the reference code (``std_orbit = 100``):
    far from the training start, so the orbits show the attractors the whole state space
    reaches. ``scale == 0`` (ours): the zero state the training starts from and states ~
    U[−1, 1]^d, so the orbits show what the trained network does from where it is used.

    Example:
        >>> recording_initial_states(4, 400, 100.0, torch.Generator().manual_seed(0)).std()   # ≈ 100
    """
    check_positive_int("n_states", n_states)
    check_positive_int("state_dim", state_dim)
    if not (math.isfinite(scale) and scale >= 0):
        raise ValueError(f"scale: expected a finite number >= 0, got {scale!r}")
    if scale > 0:
        return torch.randn(n_states, state_dim, generator=generator) * scale
    states = torch.rand(n_states, state_dim, generator=generator) * 2 - 1
    states[0] = 0.0
    return states


class OrbitRecorder:
    """Records the orbit diagram of a model (and optionally fixed-point eigenvalues) every ``every`` epochs.

    Args:
        inputs: constant inputs, (I, m).
        initial_states: flat initial states, (S, d), the same at every record.
        burn_in: steps dropped before keeping any (the paper: 1200 for the sine task).
        n_kept: steps kept after the burn-in.
        every: record at epochs 0, every, 2·every, … (and the last epoch of a run).
        eigenvalue_inputs: indices into ``inputs`` at which to also store the leading
            Jacobian eigenvalues at the fixed point (:func:`fixed_point_eigenvalues`, started
            from the recorded orbits under that input); empty for none.
        n_eigenvalues: how many eigenvalues to store per input, largest modulus first.
        eigenvalue_every: search fixed points only at record epochs that are multiples of
            this (and the last); default ``every``. The search costs more than the orbits.

    After training, ``epochs`` lists the recorded epochs and ``outputs[r]`` is the (I, S,
    n_kept, o) float16 output orbit at ``epochs[r]``; ``eigenvalue_epochs`` lists the epochs
    with an eigenvalue record and ``eigenvalues[r]`` is its (J, n_eigenvalues) complex64
    eigenvalues. :meth:`arrays` stacks them for a result artifact; the recorder's
    ``state_dict`` goes into every checkpoint, so a resumed run continues the same record.

    Example:
        >>> recorder = OrbitRecorder(torch.linspace(0.2, 0.4, 10)[:, None], torch.zeros(3, 64), burn_in=1200,
        ...                          n_kept=100, every=10)
        >>> recorder.record(model, epoch=0); recorder.outputs[0].shape   # (10, 3, 100, 1)
    """

    def __init__(self, inputs: torch.Tensor, initial_states: torch.Tensor, *, burn_in: int, n_kept: int,
                 every: int, eigenvalue_inputs: tuple[int, ...] = (), n_eigenvalues: int = 6,
                 eigenvalue_every: int | None = None):
        check_tensor("inputs", inputs, (None, "m"))
        check_tensor("initial_states", initial_states, (None, "d"))
        self.burn_in = check_non_negative_int("burn_in", burn_in)
        self.n_kept = check_positive_int("n_kept", n_kept)
        self.every = check_positive_int("every", every)
        self.n_eigenvalues = check_positive_int("n_eigenvalues", n_eigenvalues)
        self.eigenvalue_every = check_positive_int("eigenvalue_every", eigenvalue_every, allow_none=True) or every
        for index in eigenvalue_inputs:
            if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < inputs.shape[0]:
                raise ValueError(f"eigenvalue_inputs: expected indices in [0, {inputs.shape[0]}), got {index!r}")
        self.inputs = inputs.detach().cpu()
        self.initial_states = initial_states.detach().cpu()
        self.eigenvalue_inputs = tuple(eigenvalue_inputs)
        self.epochs: list[int] = []
        self.outputs: list[torch.Tensor] = []
        self.eigenvalue_epochs: list[int] = []
        self.eigenvalues: list[torch.Tensor] = []

    def due(self, epoch: int, last: bool = False) -> bool:
        """Whether ``epoch`` is a recording epoch (a multiple of ``every``, or the last one) not yet recorded."""
        return (epoch % self.every == 0 or last) and (not self.epochs or self.epochs[-1] != epoch)

    def record(self, model: nn.Module, epoch: int, last: bool = False) -> None:
        """Simulate ``model`` (in eval mode, under no_grad) and append the record of ``epoch``
        (with eigenvalues if ``epoch`` is a multiple of ``eigenvalue_every`` or ``last``)."""
        was_training = model.training
        model.eval()
        try:
            outputs, states = constant_input_orbits(model, self.inputs, self.initial_states, self.burn_in, self.n_kept)
            eigenvalues = None
            if self.eigenvalue_inputs and (epoch % self.eigenvalue_every == 0 or last):
                eigenvalues = torch.stack([fixed_point_eigenvalues(model, self.inputs[i], states[i].flatten(0, 1),
                                                                   self.n_eigenvalues)
                                           for i in self.eigenvalue_inputs])  # (J, n_eigenvalues)
        finally:
            model.train(was_training)
        self.epochs.append(int(epoch))
        self.outputs.append(outputs.to(device="cpu", dtype=torch.float16))
        if eigenvalues is not None:
            self.eigenvalue_epochs.append(int(epoch))
            self.eigenvalues.append(eigenvalues.to(torch.complex64))

    def state_dict(self) -> dict:
        """The records so far, as plain data for a checkpoint."""
        return {"epochs": list(self.epochs), "outputs": list(self.outputs),
                "eigenvalue_epochs": list(self.eigenvalue_epochs), "eigenvalues": list(self.eigenvalues)}

    def load_state_dict(self, state: dict) -> None:
        """Replace the records with those of a checkpoint."""
        self.epochs = [int(epoch) for epoch in state["epochs"]]
        self.outputs = [tensor.cpu() for tensor in state["outputs"]]
        self.eigenvalue_epochs = [int(epoch) for epoch in state["eigenvalue_epochs"]]
        self.eigenvalues = [tensor.cpu() for tensor in state["eigenvalues"]]

    def arrays(self, max_records: int | None = None, max_steps: int | None = None) -> dict[str, np.ndarray]:
        """The records stacked for :func:`rnnattr.results.save_result`, optionally sub-sampled.

        Args:
            max_records: keep at most this many records, evenly spaced, first and last included.
            max_steps: keep only the first ``max_steps`` kept steps of every orbit.

        Returns:
            ``record_epochs`` (R,), ``record_outputs`` (R, I, S, n, o) float16,
            ``record_inputs`` (I, m), ``record_initial_states`` (S, d), and, when
            eigenvalues were tracked, all of them: ``eigenvalue_epochs`` (E,),
            ``eigenvalue_inputs`` (J, m) and ``eigenvalues`` (E, J, n_eigenvalues) complex64.
        """
        check_positive_int("max_records", max_records, allow_none=True)
        check_positive_int("max_steps", max_steps, allow_none=True)
        if not self.epochs:
            raise ValueError("max_records: no orbit has been recorded yet")
        keep = np.arange(len(self.epochs))
        if max_records is not None and len(keep) > max_records:
            keep = np.unique(np.linspace(0, len(keep) - 1, max_records).round().astype(int))
        arrays = {
            "record_epochs": np.asarray(self.epochs)[keep],
            "record_outputs": torch.stack([self.outputs[r][:, :, :max_steps] for r in keep]).numpy(),
            "record_inputs": self.inputs.numpy(),
            "record_initial_states": self.initial_states.numpy(),
        }
        if self.eigenvalues:
            arrays["eigenvalue_epochs"] = np.asarray(self.eigenvalue_epochs)
            arrays["eigenvalue_inputs"] = self.inputs[list(self.eigenvalue_inputs)].numpy()
            arrays["eigenvalues"] = torch.stack(self.eigenvalues).numpy()
        return arrays
