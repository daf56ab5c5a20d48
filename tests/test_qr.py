"""rank_safe_qr: PyTorch's QR and its gradient where R is well conditioned, a finite gradient where it is not."""
import torch

from rnnattr.dynamics.qr import rank_safe_qr

f64 = torch.float64


def test_values_and_gradients_equal_torchs_qr_where_r_is_well_conditioned():
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(4, 7, 5, generator=generator, dtype=f64, requires_grad=True)
    weight_q = torch.randn(4, 7, 5, generator=generator, dtype=f64)
    weight_r = torch.randn(4, 5, 5, generator=generator, dtype=f64)
    results = []
    for qr in (torch.linalg.qr, rank_safe_qr):
        q, r = qr(a)
        results.append((q, r, *torch.autograd.grad((q * weight_q).sum() + (r * weight_r).sum(), a)))
    for ours, torchs in zip(results[1], results[0]):
        torch.testing.assert_close(ours, torchs, atol=1e-13, rtol=0)
    assert torch.autograd.gradcheck(rank_safe_qr, (a[:1].detach().requires_grad_(),))


def test_a_collapsed_column_gets_no_gradient_and_the_others_get_the_qr_gradient_of_the_columns_before_it():
    # rows 3-5 are zero: three columns in a 2-D space, so R_33 = 0 exactly (a Jacobian with zero rows, units off)
    generator = torch.Generator().manual_seed(1)
    a = torch.zeros(5, 3, dtype=f64)
    a[:2] = torch.randn(2, 3, generator=generator, dtype=f64)
    a.requires_grad_()
    weight = torch.randn(5, 2, generator=generator, dtype=f64)

    def loss(q, r):  # what lyapunov_spectrum differentiates: clamped log|R_ii| and the next basis Q
        return r.diagonal().abs().clamp_min(1e-30).log().sum() + (q[:, :2] * weight).sum()

    q, r = torch.linalg.qr(a.detach())
    assert r[2, 2] == 0
    assert torch.autograd.grad(loss(*torch.linalg.qr(a)), a)[0].isnan().all()  # PyTorch's backward: NaN
    ours, = torch.autograd.grad(loss(*rank_safe_qr(a)), a)
    leading = a[:, :2].detach().requires_grad_()
    expected, = torch.autograd.grad(loss(*torch.linalg.qr(leading)), leading)  # QR of the columns before it
    torch.testing.assert_close(ours[:, :2], expected, atol=1e-14, rtol=0)
    assert torch.equal(ours[:, 2], torch.zeros(5, dtype=f64))


def test_an_all_zero_matrix_gives_a_zero_gradient():
    a = torch.zeros(2, 4, 3, requires_grad=True)
    q, r = rank_safe_qr(a)
    (r.diagonal(dim1=-2, dim2=-1).abs().clamp_min(1e-20).log().sum() + q.sum()).backward()
    assert torch.equal(a.grad, torch.zeros(2, 4, 3))
