"""The one training loop every experiment uses.

``Trainer`` runs mini-batch Adam (or any optimiser) with gradient-norm clipping, a
learning-rate schedule stepped once per epoch, an optional hook after every optimiser step
(the stable LSTM's projection), per-epoch evaluation and callbacks, early stopping on a
target metric, orbit recording (:class:`rnnattr.training.recorder.OrbitRecorder`) and
checkpoints. Everything a resumed run needs — model, optimiser, scheduler, every random
state, history and records — is in :meth:`Trainer.state_dict`, so a run killed at any
moment and restarted from its last checkpoint continues exactly as if it had never stopped.
"""
from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from rnnattr.training.checkpoint import restore_counters, restore_rng_states, rng_states, save_checkpoint
from rnnattr.training.recorder import OrbitRecorder
from rnnattr.validation import check_positive_int

LossFunction = Callable[..., torch.Tensor]


class NonFiniteLossError(RuntimeError):
    """Training produced a NaN or infinite loss (or parameters); ``epoch`` is the 1-based epoch."""

    def __init__(self, epoch: int, loss: float, checkpoint_epoch: int | None):
        kept = ("no checkpoint had been written yet" if checkpoint_epoch is None
                else f"the last good checkpoint (epoch {checkpoint_epoch}) is kept")
        super().__init__(f"epoch {epoch}: the training loss is {loss} (or a parameter is not finite); "
                         f"training stopped and {kept}")
        self.epoch, self.loss, self.checkpoint_epoch = epoch, loss, checkpoint_epoch


@dataclass(frozen=True)
class EarlyStopping:
    """Stop once ``metric`` reaches ``target``: ``metric <= target`` (mode "min") or ``>=`` (mode "max")."""

    metric: str
    target: float
    mode: str = "min"

    def __post_init__(self):
        if self.mode not in ("min", "max"):
            raise ValueError(f"mode: expected one of ['max', 'min'], got {self.mode!r}")

    def reached(self, metrics: dict[str, float]) -> bool:
        value = metrics[self.metric]
        return value <= self.target if self.mode == "min" else value >= self.target


class Trainer:
    """Mini-batch training with clipping, schedules, hooks, orbit records and exact resumption.

    Args:
        model: the network; its parameters are what ``optimizer`` updates.
        data: tensors sharing their first (sample) dimension, e.g. ``(inputs (N, T, m),
            targets (N, T, o))``, already on the model's device.
        loss: ``loss(model, *batch) -> scalar`` for a batch of each data tensor: the mean over
            the batch, unless ``summed_loss_terms`` is given.
        summed_loss_terms: None when ``loss`` is a mean over the batch; K when it is a sum over
            the batch's samples of K terms each (e.g. squared errors over T steps, as the
            reference code's ``reduction="sum"``). The history's ``loss`` is then the sum over
            the epoch divided by K·N, the same mean a mean-reduced loss would report.
        optimizer: e.g. ``torch.optim.Adam(model.parameters(), lr=1e-3)``.
        scheduler: stepped once per epoch: ``MultiStepLR`` (milestones in epochs) with
            ``scheduler.step()``, ``ReduceLROnPlateau`` with ``scheduler.step(metrics[plateau_metric])``.
        plateau_metric: the history column a ``ReduceLROnPlateau`` watches.
        batch_size: samples per optimiser step; each epoch visits every sample once.
        clip_norm: max total gradient norm (``torch.nn.utils.clip_grad_norm_``); None for none.
        seed: seeds the ``torch.Generator`` that shuffles the samples every epoch.
        shuffle: False keeps the sample order (e.g. a language model's stream of batches, or
            the reference code's fixed batches).
        after_step: ``after_step(model)`` after every optimiser step, e.g.
            ``StableLSTM.project_`` to stay on the stability set.
        evaluate: ``evaluate(model) -> {name: float}`` after every epoch (eval mode, no_grad),
            e.g. a validation accuracy; its entries join the history.
        early_stopping: stop once a history column reaches a target.
        min_lr: stop once the schedule has lowered the learning rate below this (e.g. 1e-7
            after repeated ``ReduceLROnPlateau`` cuts); the run counts as finished.
        recorder: records orbit diagrams every ``recorder.every`` epochs (epoch 0 included).
        callbacks: ``callback(trainer, metrics)`` after every epoch, and once with
            ``{"epoch": 0}`` before the first (e.g. flossing before training); not
            checkpointed, so they must act only through the model, optimiser or their own seeds.
        progress: show a ``tqdm.auto`` progress bar over epochs.

    The history is a list of dicts, one per epoch: ``epoch`` (1-based), ``loss`` (mean
    training loss over the epoch's samples), ``grad_norm`` (mean gradient norm before
    clipping), ``lr`` (the learning rate used in that epoch) and the ``evaluate`` entries.

    Example:
        >>> trainer = Trainer(model, (u, y), lambda m, u, y: F.mse_loss(m(u)[0], y),
        ...                   torch.optim.Adam(model.parameters(), 1e-3), batch_size=100, clip_norm=0.25)
        >>> trainer.fit(4000, checkpoint_path="run/checkpoint.pt", checkpoint_every=100)
        >>> trainer.history[-1]["loss"]
    """

    def __init__(self, model: nn.Module, data: Sequence[torch.Tensor], loss: LossFunction,
                 optimizer: torch.optim.Optimizer, *, scheduler=None, plateau_metric: str = "loss",
                 batch_size: int, summed_loss_terms: int | None = None, clip_norm: float | None = None,
                 seed: int = 0, shuffle: bool = True,
                 after_step: Callable[[nn.Module], object] | None = None,
                 evaluate: Callable[[nn.Module], dict[str, float]] | None = None,
                 early_stopping: EarlyStopping | None = None, min_lr: float | None = None,
                 recorder: OrbitRecorder | None = None,
                 callbacks: Sequence[Callable[["Trainer", dict], object]] = (), progress: bool = True):
        data = tuple(data)
        if not data or any(not isinstance(t, torch.Tensor) or t.ndim == 0 or t.shape[0] != data[0].shape[0]
                           for t in data):
            raise ValueError("data: expected tensors sharing their first dimension N, got shapes "
                             f"{[tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__ for t in data]}")
        if clip_norm is not None and not clip_norm > 0:
            raise ValueError(f"clip_norm: expected a positive number or None, got {clip_norm!r}")
        if min_lr is not None and not min_lr > 0:
            raise ValueError(f"min_lr: expected a positive number or None, got {min_lr!r}")
        self.model, self.data, self.loss, self.optimizer, self.scheduler = model, data, loss, optimizer, scheduler
        self.plateau_metric = plateau_metric
        self.batch_size = check_positive_int("batch_size", batch_size)
        self.summed_loss_terms = check_positive_int("summed_loss_terms", summed_loss_terms, allow_none=True)
        self.clip_norm, self.shuffle, self.after_step, self.evaluate = clip_norm, shuffle, after_step, evaluate
        self.early_stopping, self.recorder, self.callbacks, self.progress = (early_stopping, recorder,
                                                                             tuple(callbacks), progress)
        self.min_lr = min_lr
        self.generator = torch.Generator().manual_seed(seed)
        self.epoch = 0  # epochs completed
        self.stopped_early = False  # the early-stopping target (or min_lr) was reached: further fits do nothing
        self.history: list[dict[str, float]] = []
        self.wall_time = 0.0  # seconds spent in fit, summed over resumed runs
        self.checkpoint_epoch: int | None = None

    # -- one epoch --------------------------------------------------------------------------
    def train_epoch(self) -> dict[str, float]:
        """One pass over the shuffled data; returns the epoch's metrics (``epoch`` = ``self.epoch + 1``).

        Only the model, the optimiser and the shuffling generator change: :meth:`fit` does
        the bookkeeping (history, schedule, records, checkpoints). Raises
        :class:`NonFiniteLossError` when the loss or a parameter is NaN or infinite.
        """
        self.model.train()
        n_samples = self.data[0].shape[0]
        order = (torch.randperm(n_samples, generator=self.generator) if self.shuffle
                 else torch.arange(n_samples)).to(self.data[0].device)
        lr = self.optimizer.param_groups[0]["lr"]
        total_loss = torch.zeros((), device=self.data[0].device)
        total_norm = torch.zeros((), device=self.data[0].device)
        parameters = [p for group in self.optimizer.param_groups for p in group["params"]]
        n_batches = 0
        for start in range(0, n_samples, self.batch_size):
            index = order[start : start + self.batch_size]
            batch = [tensor[index] for tensor in self.data]
            self.optimizer.zero_grad(set_to_none=True)
            loss = self.loss(self.model, *batch)
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(parameters, self.clip_norm if self.clip_norm else math.inf)
            self.optimizer.step()
            if self.after_step is not None:
                self.after_step(self.model)
            # sums stay on the device: one synchronisation per epoch, not per batch
            total_loss += (loss.detach() * len(index) if self.summed_loss_terms is None
                           else loss.detach() / self.summed_loss_terms)
            total_norm += norm.detach()
            n_batches += 1
        metrics = {"epoch": self.epoch + 1, "loss": total_loss.item() / n_samples,
                   "grad_norm": total_norm.item() / n_batches, "lr": lr}
        finite = torch.stack([torch.isfinite(p).all() for p in self.model.parameters()]).all()  # one sync
        if not (math.isfinite(metrics["loss"]) and bool(finite)):
            raise NonFiniteLossError(self.epoch + 1, metrics["loss"], self.checkpoint_epoch)
        if self.evaluate is not None:
            self.model.eval()
            with torch.no_grad():
                metrics.update({name: float(value) for name, value in self.evaluate(self.model).items()})
        return metrics

    def _step_scheduler(self, metrics: dict[str, float]) -> None:
        if self.scheduler is None:
            return
        if isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            self.scheduler.step(metrics[self.plateau_metric])
        else:
            self.scheduler.step()

    # -- the loop ---------------------------------------------------------------------------
    def done(self, n_epochs: int) -> bool:
        """Whether a run of ``n_epochs`` epochs is complete (or stopped early on its target)."""
        return self.stopped_early or self.epoch >= n_epochs

    def fit(self, n_epochs: int, *, checkpoint_path: str | Path | None = None,
            checkpoint_every: int | None = None, on_checkpoint: Callable[["Trainer"], object] | None = None) -> str:
        """Train until ``n_epochs`` epochs are complete in total (counting resumed ones); returns the status.

        Args:
            n_epochs: the total epoch count; a trainer restored from a checkpoint continues
                from ``self.epoch``.
            checkpoint_path: where to write checkpoints (atomically); None for none.
            checkpoint_every: write one every this many epochs; a checkpoint is also written
                when the run ends (done, early-stopped or interrupted).
            on_checkpoint: ``on_checkpoint(trainer)`` after each checkpoint (e.g. write history.csv).

        Returns:
            ``"finished"`` (n_epochs reached or early-stopping target met) or ``"interrupted"``
            (SIGINT/SIGTERM arrived: the current epoch is completed, checkpointed, and the
            loop returns; run ``fit`` again to continue).

        Raises:
            NonFiniteLossError: the loss or a parameter became NaN or infinite; nothing of
                that epoch is checkpointed, so the last good checkpoint is kept.
        """
        check_positive_int("n_epochs", n_epochs)
        check_positive_int("checkpoint_every", checkpoint_every, allow_none=True)
        if self.done(n_epochs):
            return "finished"

        def checkpoint() -> None:
            if checkpoint_path is not None:
                save_checkpoint(checkpoint_path, self.state_dict())
                self.checkpoint_epoch = self.epoch
                if on_checkpoint is not None:
                    on_checkpoint(self)

        status = "finished"
        started = time.perf_counter()
        if self.epoch == 0:
            for callback in self.callbacks:
                callback(self, {"epoch": 0})
        if self.recorder is not None and self.epoch == 0 and self.recorder.due(0):
            self.recorder.record(self.model, 0)  # the untrained model: where the diagram starts
        bar = tqdm(total=n_epochs, initial=self.epoch, disable=not self.progress, unit="epoch")
        try:
            with _deferred_interrupts() as interrupted:
                while self.epoch < n_epochs:
                    metrics = self.train_epoch()
                    self.epoch += 1
                    self.history.append(metrics)
                    self._step_scheduler(metrics)
                    for callback in self.callbacks:
                        callback(self, metrics)
                    stop = ((self.early_stopping is not None and self.early_stopping.reached(metrics))
                            or (self.min_lr is not None and self.optimizer.param_groups[0]["lr"] < self.min_lr))
                    last = stop or self.epoch == n_epochs
                    if self.recorder is not None and self.recorder.due(self.epoch, last):
                        self.recorder.record(self.model, self.epoch, last)
                    bar.update(1)
                    bar.set_postfix(loss=f"{metrics['loss']:.3g}", refresh=False)
                    if last:
                        self.stopped_early = stop
                        break
                    if interrupted():
                        status = "interrupted"
                        break
                    if checkpoint_every is not None and self.epoch % checkpoint_every == 0:
                        self.wall_time += time.perf_counter() - started
                        started = time.perf_counter()
                        checkpoint()
            self.wall_time += time.perf_counter() - started
            checkpoint()
        finally:
            bar.close()
        return status

    # -- checkpointing ----------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Everything a resumed run needs, as plain data (loads with ``weights_only=True``)."""
        return {
            "epoch": self.epoch,
            "stopped_early": self.stopped_early,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
            "generator": self.generator.get_state(),
            "rng": rng_states(),
            "history": [dict(row) for row in self.history],
            "recorder": None if self.recorder is None else self.recorder.state_dict(),
            "wall_time": self.wall_time,
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore a state from :meth:`state_dict` (e.g. a loaded checkpoint), random states included."""
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None:
            self.scheduler.load_state_dict(state["scheduler"])
            restore_counters(self.scheduler)
        self.generator.set_state(state["generator"].cpu())
        restore_rng_states(state["rng"])
        self.history = [dict(row) for row in state["history"]]
        if self.recorder is not None:
            self.recorder.load_state_dict(state["recorder"])
        self.epoch, self.stopped_early, self.wall_time = int(state["epoch"]), bool(state["stopped_early"]), state["wall_time"]
        self.checkpoint_epoch = self.epoch


@contextmanager
def _deferred_interrupts():
    """Turn SIGINT/SIGTERM into a flag the loop reads between epochs (main thread only), so an
    interrupted run ends on a consistent, checkpointed epoch boundary; a second signal raises
    ``KeyboardInterrupt`` at once. Yields ``interrupted()``."""
    received = []
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return

    def handler(number, frame):
        if received:  # a second interrupt means "now": give up the consistent stop
            raise KeyboardInterrupt
        received.append(number)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield lambda: bool(received)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
