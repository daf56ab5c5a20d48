"""Softmax cross-entropy of a large linear output layer, without materialising its logits.

A word-level language model's decoder maps every hidden vector to one logit per word:
for WikiText-2 a batch of 100 × 80 positions gives 8000 × 33,278 logits (1.07 GB in
float32). ``F.cross_entropy(F.linear(h, W, b), y)`` keeps that tensor, its log-softmax and,
in the backward pass, its gradient alive at once. :func:`linear_cross_entropy` computes the
same loss and the same gradients chunk by chunk over the positions, recomputing a chunk's
logits in the backward pass, so at most one (chunk × vocabulary) block of logits exists at a
time.
"""
from __future__ import annotations

import torch

from rnnattr.validation import check_positive_int, check_tensor

#: Default chunk: about 2**24 logits (64 MB in float32) per block.
LOGITS_PER_CHUNK = 2**24


def _chunk_logits(hidden: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    logits = hidden @ weight.T  # (c, V)
    return logits if bias is None else logits.add_(bias)


class _LinearCrossEntropy(torch.autograd.Function):
    """Sum over rows of −log softmax(h W^T + b)[y]; forward and backward one chunk of rows at a time."""

    @staticmethod
    def forward(ctx, hidden, weight, bias, targets, chunk_size):
        log_normalisers = hidden.new_empty(hidden.shape[0])  # logsumexp per row, reused by the backward
        total = hidden.new_zeros(())
        for start in range(0, hidden.shape[0], chunk_size):
            rows = slice(start, start + chunk_size)
            logits = _chunk_logits(hidden[rows], weight, bias)  # (c, V): the only large tensor alive
            log_normalisers[rows] = torch.logsumexp(logits, dim=-1)
            total += (log_normalisers[rows] - logits.gather(1, targets[rows, None]).squeeze(1)).sum()
            del logits
        ctx.save_for_backward(hidden, weight, bias, targets, log_normalisers)
        ctx.chunk_size = chunk_size
        return total

    @staticmethod
    def backward(ctx, grad_total):
        hidden, weight, bias, targets, log_normalisers = ctx.saved_tensors
        grad_hidden = torch.empty_like(hidden) if ctx.needs_input_grad[0] else None
        grad_weight = torch.zeros_like(weight) if ctx.needs_input_grad[1] else None
        grad_bias = torch.zeros_like(bias) if bias is not None and ctx.needs_input_grad[2] else None
        for start in range(0, hidden.shape[0], ctx.chunk_size):
            rows = slice(start, start + ctx.chunk_size)
            # d(loss)/d(logits) = softmax − one_hot(y), built in place in the recomputed logits
            grad_logits = _chunk_logits(hidden[rows], weight, bias).sub_(log_normalisers[rows, None]).exp_()
            grad_logits[torch.arange(grad_logits.shape[0], device=grad_logits.device), targets[rows]] -= 1
            grad_logits.mul_(grad_total)
            if grad_hidden is not None:
                grad_hidden[rows] = grad_logits @ weight
            if grad_weight is not None:
                grad_weight.addmm_(grad_logits.T, hidden[rows])
            if grad_bias is not None:
                grad_bias += grad_logits.sum(0)
            del grad_logits
        return grad_hidden, grad_weight, grad_bias, None, None


def linear_cross_entropy(hidden: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                         targets: torch.Tensor, *, chunk_size: int | None = None,
                         reduction: str = "mean") -> torch.Tensor:
    """``F.cross_entropy(F.linear(hidden, weight, bias), targets)`` with bounded memory.

    Returns:
        The mean (``reduction="mean"``) or sum (``"sum"``) over the N rows of
        ``−log softmax(hidden @ weight.T + bias)[target]``, a scalar; differentiable in
        ``hidden``, ``weight`` and ``bias``.

    Args:
        hidden: (N, H) decoder inputs, e.g. a batch's hidden vectors flattened over (B, T).
        weight: (V, H) decoder weight (for a tied decoder, the embedding matrix).
        bias: (V,) or None.
        targets: (N,) integer class indices in [0, V).
        chunk_size: rows per block of logits; default ``LOGITS_PER_CHUNK // V`` (≥ 1).
        reduction: ``"mean"`` or ``"sum"``.

    Method: the forward pass keeps only the per-row log-normaliser logsumexp(z); the
    backward pass recomputes each chunk's logits z and forms softmax(z) − one_hot(y) in
    their place. Peak extra memory is one (chunk_size × V) block instead of about three
    (N × V) tensors; the price is one more (N × H × V) matrix product.

    Example:
        >>> loss = linear_cross_entropy(h.reshape(-1, 800), embedding.weight, decoder_bias, y.reshape(-1))
    """
    check_tensor("hidden", hidden, (None, "H"))
    check_tensor("weight", weight, (None, hidden.shape[1]))
    if bias is not None:
        check_tensor("bias", bias, (weight.shape[0],))
    check_tensor("targets", targets, (hidden.shape[0],), floating=False)
    if targets.dtype not in (torch.int64, torch.int32):
        raise ValueError(f"targets: expected an integer tensor of class indices, got dtype {targets.dtype}")
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction: expected 'mean' or 'sum', got {reduction!r}")
    chunk_size = (max(1, LOGITS_PER_CHUNK // weight.shape[0]) if chunk_size is None
                  else check_positive_int("chunk_size", chunk_size))
    total = _LinearCrossEntropy.apply(hidden, weight, bias, targets.long(), chunk_size)
    return total / hidden.shape[0] if reduction == "mean" else total
