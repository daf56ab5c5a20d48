"""The chunked output-layer loss: the same numbers as F.cross_entropy, without the full logits tensor."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode

from rnnattr.training.chunked_cross_entropy import linear_cross_entropy


def problem(n=37, hidden=5, vocab=11, seed=0):
    generator = torch.Generator().manual_seed(seed)
    h = torch.randn(n, hidden, generator=generator, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(vocab, hidden, generator=generator, dtype=torch.float64, requires_grad=True)
    bias = torch.randn(vocab, generator=generator, dtype=torch.float64, requires_grad=True)
    return h, weight, bias, torch.randint(0, vocab, (n,), generator=generator)


@pytest.mark.parametrize("chunk_size", [1, 4, 36, 37, 1000, None])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_loss_and_gradients_equal_cross_entropy_of_the_full_logits(chunk_size, reduction):
    h, weight, bias, targets = problem()
    expected = F.cross_entropy(F.linear(h, weight, bias), targets, reduction=reduction)
    got = linear_cross_entropy(h, weight, bias, targets, chunk_size=chunk_size, reduction=reduction)
    assert got.item() == pytest.approx(expected.item(), rel=1e-13)
    for a, b in zip(torch.autograd.grad(expected, (h, weight, bias)), torch.autograd.grad(got, (h, weight, bias))):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)


def test_gradients_match_finite_differences_without_bias():
    h, weight, _, targets = problem(n=9, hidden=3, vocab=6)
    assert torch.autograd.gradcheck(lambda h, w: linear_cross_entropy(h, w, None, targets, chunk_size=4), (h, weight))


def test_uniform_logits_give_log_vocabulary_size():
    vocab = 50
    h = torch.zeros(8, 4, dtype=torch.float64)
    loss = linear_cross_entropy(h, torch.randn(vocab, 4, dtype=torch.float64), None, torch.arange(8))
    assert loss.item() == pytest.approx(math.log(vocab), rel=1e-14)


class LargestTensor(TorchDispatchMode):
    """Records the largest number of elements of any tensor an operation produces."""

    def __init__(self):
        super().__init__()
        self.largest = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for tensor in (out if isinstance(out, (tuple, list)) else (out,)):
            if isinstance(tensor, torch.Tensor):
                self.largest = max(self.largest, tensor.numel())
        return out


def test_no_operation_ever_produces_more_than_one_chunk_of_logits():
    n, hidden, vocab, chunk = 400, 8, 3000, 50
    h = torch.randn(n, hidden, requires_grad=True)
    weight = torch.randn(vocab, hidden, requires_grad=True)
    bias = torch.zeros(vocab, requires_grad=True)
    targets = torch.randint(0, vocab, (n,))
    with LargestTensor() as chunked:
        linear_cross_entropy(h, weight, bias, targets, chunk_size=chunk).backward()
    with LargestTensor() as plain:
        F.cross_entropy(F.linear(h, weight, bias), targets).backward()
    assert plain.largest == n * vocab  # the usual way materialises (N, V) logits
    assert chunked.largest == chunk * vocab  # ours: one (chunk, V) block at a time


@pytest.mark.parametrize("call, message", [
    (lambda h, w, b, y: linear_cross_entropy(h[0], w, b, y), r"hidden: expected shape \(B, H\)"),
    (lambda h, w, b, y: linear_cross_entropy(h, w[:, :2], b, y), r"weight: expected shape \(B, 5\), got \(11, 2\)"),
    (lambda h, w, b, y: linear_cross_entropy(h, w, b[:3], y), r"bias: expected shape \(11,\), got \(3,\)"),
    (lambda h, w, b, y: linear_cross_entropy(h, w, b, y[:5]), r"targets: expected shape \(37,\), got \(5,\)"),
    (lambda h, w, b, y: linear_cross_entropy(h, w, b, y.double()), "targets: expected an integer tensor"),
    (lambda h, w, b, y: linear_cross_entropy(h, w, b, y, chunk_size=0), "chunk_size: expected a positive integer"),
    (lambda h, w, b, y: linear_cross_entropy(h, w, b, y, reduction="none"), "reduction: expected 'mean' or 'sum'"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call(*problem())
