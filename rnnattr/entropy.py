"""Differential entropy of a state distribution: exact for Gaussians, estimated from samples
otherwise, and its exact change under an invertible step.

All entropies are in nats (natural logarithm). Under an invertible differentiable map f,
the change-of-variables formula gives the identity

    H(f(X)) = H(X) + E[log |det ∂f/∂x (X)|],

and, because |det J| ≤ ‖J‖₂^d ≤ L_f^d, the upper bound H(f(X)) ≤ H(X) + d log L_f. The paper
(Ribeiro, Tiels, Aguirre & Schön, AISTATS 2020, Eq. 4) prints the reverse direction,
H_t + N_x log L_f ≤ H_{t+1}; that direction holds with a *lower* Lipschitz constant ℓ
(‖f(x) − f(w)‖ ≥ ℓ‖x − w‖) in place of L_f, since then every singular value of J is at least ℓ,
|det J| ≥ ℓ^d and H(f(X)) ≥ H(X) + d log ℓ (:func:`smallest_singular_value`).
"""
from __future__ import annotations

import math

import torch

from rnnattr.dynamics.jacobian import jacobian
from rnnattr.validation import check_positive_int, check_tensor

# Distances are computed for blocks of query points so that a batch of clouds never holds
# more than this many pairwise distances at once (2**24 float64 values = 128 MiB).
_PAIRS_PER_BLOCK = 2**24


def gaussian_entropy(covariance: torch.Tensor) -> torch.Tensor:
    """The differential entropy ½ log det(2πe Σ) of N(μ, Σ), in nats, shape (...).

    Args:
        covariance: symmetric positive-definite matrices Σ, shape (..., d, d); any leading
            dimensions are a batch.

    Method: ½ (d log 2πe + log det Σ), with log det Σ = 2 Σ_i log L_ii from the Cholesky
    factor Σ = L Lᵀ (Cover & Thomas, *Elements of Information Theory*, Thm. 8.4.1).

    Example:
        >>> gaussian_entropy(torch.eye(2, dtype=torch.float64))  # log(2πe) ≈ 2.8379
    """
    leading = (None,) * max(getattr(covariance, "ndim", 2) - 2, 0)
    size = covariance.shape[-1] if isinstance(covariance, torch.Tensor) and covariance.ndim >= 2 else "d"
    check_tensor("covariance", covariance, (*leading, size, size))
    if not torch.allclose(covariance, covariance.mT):
        raise ValueError("covariance: expected symmetric matrices")
    factor, info = torch.linalg.cholesky_ex(covariance)
    if (info != 0).any():
        raise ValueError("covariance: expected positive-definite matrices")
    log_det = 2 * factor.diagonal(dim1=-2, dim2=-1).log().sum(-1)  # (...)
    return 0.5 * (size * math.log(2 * math.pi * math.e) + log_det)


def kozachenko_leonenko_entropy(samples: torch.Tensor, k: int = 3) -> torch.Tensor:
    """An estimate of the differential entropy, in nats, of the distribution that drew ``samples``.

    Returns:
        A 0-d tensor for samples (N, d), or shape (B,) for a batch of clouds (B, N, d).

    Args:
        samples: N independent draws of a d-dimensional state, (N, d), or B clouds of N
            draws each, (B, N, d).
        k: which nearest neighbour's distance is used; N must exceed k. Larger k lowers
            the variance and raises the bias (Kraskov et al. use k = 2–4).

    Method (Kozachenko & Leonenko 1987; in the form of Kraskov, Stögbauer & Grassberger
    2004, Eq. 20): with ε_i the Euclidean distance from sample i to its k-th nearest
    neighbour and V_d = π^{d/2} / Γ(d/2 + 1) the volume of the unit ball,

        Ĥ = ψ(N) − ψ(k) + log V_d + (d/N) Σ_i log ε_i,

    ψ being the digamma function. The estimate is consistent and, up to rounding, exactly
    equivariant under similarities: Ĥ(aQX + c) = Ĥ(X) + d log |a| for an orthogonal Q. It
    is nearly unbiased when the density is smooth on the scale of ε; where it is not (a
    cloud squeezed onto a thin or fractal set, or cut off at the faces of a box), it
    overestimates. A point repeated more than k times gives ε = 0 and an estimate of −∞,
    the entropy of an atom.

    Example:
        >>> x = torch.randn(4000, 3, dtype=torch.float64)
        >>> kozachenko_leonenko_entropy(x)  # ≈ 1.5 log(2πe) ≈ 4.257
    """
    check_positive_int("k", k)
    if isinstance(samples, torch.Tensor) and samples.ndim not in (2, 3):
        raise ValueError(f"samples: expected shape (N, d) or (B, N, d), got {tuple(samples.shape)}")
    batched = getattr(samples, "ndim", 0) == 3
    check_tensor("samples", samples, (None, "N", "d") if batched else ("N", "d"))
    clouds = samples if batched else samples.unsqueeze(0)  # (B, N, d)
    batch, n, dim = clouds.shape
    if n <= k:
        raise ValueError(f"samples: expected more than k={k} samples per cloud, got {n}")
    if not torch.isfinite(clouds).all():
        raise ValueError("samples: expected finite values")
    log_distance = _kth_neighbour_distance(clouds, k).log()  # (B, N)
    psi_n, psi_k = torch.special.digamma(torch.tensor([n, k], dtype=clouds.dtype, device=clouds.device))
    log_unit_ball = dim / 2 * math.log(math.pi) - math.lgamma(dim / 2 + 1)
    entropy = psi_n - psi_k + log_unit_ball + dim * log_distance.mean(-1)
    return entropy if batched else entropy[0]


def _kth_neighbour_distance(clouds: torch.Tensor, k: int) -> torch.Tensor:
    """Distance from every point of each cloud (B, N, d) to its k-th nearest other point, (B, N)."""
    batch, n, _ = clouds.shape
    rows = max(1, _PAIRS_PER_BLOCK // (batch * n))
    distances = []
    for start in range(0, n, rows):
        # The matrix-multiplication shortcut of cdist loses the small distances of a tightly
        # concentrated cloud to cancellation; the direct formula keeps them exact.
        block = torch.cdist(clouds[:, start:start + rows], clouds,
                            compute_mode="donot_use_mm_for_euclid_dist")  # (B, rows, N)
        # the smallest distance is the point to itself (0); the (k+1)-th is its k-th neighbour
        distances.append(block.topk(k + 1, dim=-1, largest=False).values[..., k])
    return torch.cat(distances, dim=1)


def log_abs_det_jacobian(step, x: torch.Tensor, u: torch.Tensor | None = None) -> torch.Tensor:
    """log |det ∂step(x, u)/∂x| at every state, shape (B,).

    Its mean over a cloud drawn from the state distribution p_t is the exact entropy change
    H_{t+1} − H_t of an invertible step (change of variables); for a step that is not
    one-to-one (but whose Jacobian is nonsingular almost everywhere) it is an upper bound
    on that change, since merging preimages can only lower the entropy.

    Args:
        step: the map ``step(x (B, d), u) -> (B, d)``.
        x: states, (B, d).
        u: inputs, (B, m) or ``None``.

    Example:
        >>> log_abs_det_jacobian(henon_map(1.4, 0.3), torch.zeros(1, 2))  # [log 0.3]
    """
    return torch.linalg.slogdet(jacobian(step, x, u)).logabsdet


def smallest_singular_value(step, x: torch.Tensor, u: torch.Tensor | None = None) -> torch.Tensor:
    """σ_min(∂step(x, u)/∂x), the least stretching of the step at every state, shape (B,).

    A map with a lower Lipschitz constant ℓ, ‖f(x) − f(w)‖ ≥ ℓ‖x − w‖, has σ_min(J(x)) ≥ ℓ
    wherever it is differentiable (J v is the limit of (f(x + hv) − f(x))/h), so the minimum
    of this over sampled or visited states estimates ℓ from above. Since |det J| is the product
    of the singular values, d log σ_min(J) ≤ log |det J| ≤ d log ‖J‖₂: the entropy change of an
    invertible step, E log|det J|, lies between d E log σ_min(J) and d log L_f.

    Args:
        step: the map ``step(x (B, d), u) -> (B, d)``.
        x: states, (B, d).
        u: inputs, (B, m) or ``None``.

    Example:
        >>> smallest_singular_value(linear_map(torch.diag(torch.tensor([2.0, 0.5]))), torch.zeros(1, 2))  # [0.5]
    """
    return torch.linalg.svdvals(jacobian(step, x, u))[..., -1]  # singular values come in descending order
