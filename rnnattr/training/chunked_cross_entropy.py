"""Softmax cross-entropy of a large linear output layer, without materialising its logits.

A word-level language model's decoder maps every hidden vector to one logit per word:
for WikiText-2 a batch of 100 × 80 positions gives 8000 × 33,278 logits (1.07 GB in
float32). ``F.cross_entropy(F.linear(h, W, b), y)`` keeps that tensor, its log-softmax and,
in the backward pass, its gradient alive at once. :func:`linear_cross_entropy` computes the
same loss and the same gradients chunk by chunk over the positions, so at most one
(chunk × vocabulary) block of logits exists at a time.
"""
from __future__ import annotations

import torch

from rnnattr.validation import check_positive_int, check_tensor

#: Default chunk: about 2**24 logits (64 MB in float32) per block.
LOGITS_PER_CHUNK = 2**24


class _LinearCrossEntropy(torch.autograd.Function):
    """Sum over rows of −log softmax(h W^T + b)[y], one chunk of rows at a time.

    When gradients are wanted, the forward pass also forms each chunk's gradient with respect
    to its logits, softmax(z) − one_hot(y), in place of the logits, and accumulates the
    gradients of h, W and b from it; the backward pass only scales them by the incoming
    gradient. So no chunk is computed twice, and no logits outlive their chunk.
    """

    @staticmethod
    def forward(ctx, hidden, weight, bias, targets, chunk_size, with_gradients):
        total = hidden.new_zeros(())
        grad_hidden = torch.empty_like(hidden) if with_gradients else None
        grad_weight = torch.zeros_like(weight) if with_gradients else None
        grad_bias = torch.zeros_like(bias) if with_gradients and bias is not None else None
        for start in range(0, hidden.shape[0], chunk_size):
            rows = slice(start, start + chunk_size)
            logits = hidden[rows] @ weight.T  # (c, V): the only large tensor alive
            if bias is not None:
                logits += bias
            log_normalisers = torch.logsumexp(logits, dim=-1)  # (c,)
            total += (log_normalisers - logits.gather(1, targets[rows, None]).squeeze(1)).sum()
            if with_gradients:  # d(loss)/d(logits) = softmax − one_hot(y), built in the logits' memory
                grad_logits = logits.sub_(log_normalisers[:, None]).exp_()
                grad_logits[torch.arange(len(grad_logits), device=grad_logits.device), targets[rows]] -= 1
                grad_hidden[rows] = grad_logits @ weight
                grad_weight.addmm_(grad_logits.T, hidden[rows])
                if grad_bias is not None:
                    grad_bias += grad_logits.sum(0)
            del logits
        ctx.gradients = (grad_hidden, grad_weight, grad_bias)
        return total

    @staticmethod
    def backward(ctx, grad_total):
        grads = tuple(None if grad is None else grad * grad_total for grad in ctx.gradients)
        return (*grads, None, None, None)


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

    Method: for each chunk of rows the logits z are formed, reduced to the loss through
    logsumexp(z), and, when gradients are wanted, turned in place into
    ∂loss/∂z = softmax(z) − one_hot(y), from which the gradients of ``hidden``, ``weight`` and
    ``bias`` are accumulated at once (the fused cross-entropy of large-vocabulary models);
    the backward pass scales them by the incoming gradient. Peak extra memory is one
    (chunk_size × V) block instead of about three (N × V) tensors, with the same three
    (N × H × V) matrix products as the unfused loss. The price: gradients are computed in
    the forward pass whenever they may be needed, used or not.

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
    with_gradients = torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in (hidden, weight, bias))
    total = _LinearCrossEntropy.apply(hidden, weight, bias, targets.long(), chunk_size, with_gradients)
    return total / hidden.shape[0] if reduction == "mean" else total
