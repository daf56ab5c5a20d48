"""Gradient norms, Hessian–vector products and Hessian spectral norms of a cost, without
ever forming the Hessian.

Convention for every function here: ``params`` is a tensor or a tuple of tensors (the
point θ), and ``loss_fn(params)`` is called with exactly that object and returns the cost
V(θ). Results that have the structure of θ (a gradient, a Hessian–vector product) have the
structure of ``params``. With ``batched=True`` every tensor of ``params`` has a leading
member dimension M, ``loss_fn`` returns the M costs, shape (M,), and member m's cost may
depend on member m's slice of the parameters only: the Hessian of the summed cost is then
block diagonal, so one pass serves all members and each gets its own norm.
"""
from __future__ import annotations

import torch

from rnnattr.dynamics.inputs import input_schedule
from rnnattr.validation import check_positive_int, check_tensor


def _as_tuple(name: str, params) -> tuple[torch.Tensor, ...]:
    """Validate a tensor or non-empty tuple of floating-point tensors; return it as a tuple."""
    tensors = params if isinstance(params, tuple) else (params,)
    if len(tensors) == 0:
        raise ValueError(f"{name}: expected a tensor or a non-empty tuple of tensors, got an empty tuple")
    for i, tensor in enumerate(tensors):
        label = name if not isinstance(params, tuple) else f"{name}[{i}]"
        if not isinstance(tensor, torch.Tensor):
            raise ValueError(f"{label}: expected a torch.Tensor, got {type(tensor).__name__}")
        check_tensor(label, tensor, tensor.shape)  # floating point, no empty dimension
    return tensors


def _check_loss_fn(loss_fn) -> None:
    if not callable(loss_fn):
        raise ValueError(f"loss_fn: expected a callable params -> cost, got {type(loss_fn).__name__}")


def _check_members(params: tuple[torch.Tensor, ...], batched: bool) -> int | None:
    """The number of members M when batched (every tensor must lead with it), else None."""
    if not batched:
        return None
    n_members = params[0].shape[0] if params[0].ndim else 0
    for i, tensor in enumerate(params):
        if tensor.ndim == 0 or tensor.shape[0] != n_members:
            raise ValueError(f"params[{i}]: expected a leading member dimension of size {n_members} "
                             f"(batched=True), got shape {tuple(tensor.shape)}")
    return n_members


def _restructure(like, tensors: tuple[torch.Tensor, ...]):
    return tensors if isinstance(like, tuple) else tensors[0]


def _evaluate(loss_fn, params, tensors: tuple[torch.Tensor, ...], n_members: int | None):
    """Leaf copies of the parameters and the gradient of the (summed) cost at them, with its
    graph kept for differentiating it again (double backward)."""
    leaves = tuple(t.detach().requires_grad_(True) for t in tensors)
    with torch.enable_grad():
        loss = loss_fn(_restructure(params, leaves))
        expected = () if n_members is None else (n_members,)
        if not isinstance(loss, torch.Tensor) or tuple(loss.shape) != expected:
            got = tuple(loss.shape) if isinstance(loss, torch.Tensor) else type(loss).__name__
            raise ValueError(f"loss_fn: expected a tensor of shape {expected} "
                             f"({'one cost per member' if expected else 'a scalar cost'}), got {got}")
        gradient = torch.autograd.grad(loss.sum(), leaves, create_graph=True, materialize_grads=True)
    return leaves, gradient


def _hessian_times(leaves, gradient, vector: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
    """H v by differentiating ⟨∇V, v⟩ once more; the graph is kept for the next product."""
    if not any(g.requires_grad for g in gradient):  # V is affine in θ: H = 0
        return tuple(torch.zeros_like(v) for v in vector)
    with torch.enable_grad():
        return torch.autograd.grad(gradient, leaves, grad_outputs=vector, retain_graph=True,
                                   allow_unused=True, materialize_grads=True)


def _member_norms(tensors: tuple[torch.Tensor, ...], n_members: int | None) -> torch.Tensor:
    """Euclidean norm over all entries (0-d), or over each member's entries ((M,))."""
    if n_members is None:
        return torch.sqrt(sum(t.pow(2).sum() for t in tensors))
    return torch.sqrt(sum(t.pow(2).reshape(n_members, -1).sum(1) for t in tensors))


def _scale(tensors, factor: torch.Tensor, n_members: int | None):
    """Multiply every tensor by a scalar factor (0-d) or by one factor per member ((M,))."""
    if n_members is None:
        return tuple(t * factor for t in tensors)
    return tuple(t * factor.reshape((-1,) + (1,) * (t.ndim - 1)) for t in tensors)


def gradient_norm(loss_fn, params, *, batched: bool = False) -> torch.Tensor:
    """‖∇V(θ)‖, the Euclidean norm of the gradient over all parameters.

    Args:
        loss_fn: ``loss_fn(params) -> V``; a 0-d tensor, or (M,) with ``batched=True``.
        params: θ, a tensor or a tuple of tensors (see the module docstring).
        batched: members along the leading dimension, one norm each.

    Returns:
        A 0-d tensor, or (M,) with ``batched=True``.

    Example:
        >>> gradient_norm(lambda w: (w ** 2).sum(), torch.tensor([3.0, 4.0]))  # 10.
    """
    _check_loss_fn(loss_fn)
    tensors = _as_tuple("params", params)
    n_members = _check_members(tensors, batched)
    _, gradient = _evaluate(loss_fn, params, tensors, n_members)
    return _member_norms(gradient, n_members).detach()


def hessian_vector_product(loss_fn, params, vector, *, batched: bool = False):
    """∇²V(θ) v, the Hessian of the cost at θ applied to v, with the structure of ``params``.

    Args:
        loss_fn: ``loss_fn(params) -> V``; a 0-d tensor, or (M,) with ``batched=True``.
        params: θ, a tensor or a tuple of tensors.
        vector: v, with the structure and shapes of ``params``.
        batched: members along the leading dimension; member m's product uses member m's
            slice of v only.

    Method: double backward (Pearlmutter, 1994): the gradient is computed with its graph
    kept, and ⟨∇V, v⟩ is differentiated once more. It costs a few backward passes and never
    forms the Hessian.

    Example:
        >>> A = torch.tensor([[2.0, 1.0], [1.0, 3.0]])
        >>> hessian_vector_product(lambda x: 0.5 * x @ A @ x, torch.zeros(2), torch.tensor([1.0, 0.0]))  # A[:, 0]
    """
    _check_loss_fn(loss_fn)
    tensors = _as_tuple("params", params)
    vectors = _as_tuple("vector", vector)
    if len(vectors) != len(tensors) or isinstance(vector, tuple) != isinstance(params, tuple):
        raise ValueError(f"vector: expected the structure of params ({len(tensors)} tensor(s)), got {len(vectors)}")
    for i, (v, p) in enumerate(zip(vectors, tensors)):
        check_tensor("vector" if not isinstance(vector, tuple) else f"vector[{i}]", v, tuple(p.shape))
    n_members = _check_members(tensors, batched)
    leaves, gradient = _evaluate(loss_fn, params, tensors, n_members)
    product = _hessian_times(leaves, gradient, tuple(v.to(p.dtype) for v, p in zip(vectors, tensors)))
    return _restructure(params, tuple(h.detach() for h in product))


def hessian_spectral_norm(loss_fn, params, *, n_iterations: int = 100, rtol: float = 1e-6,
                          generator: torch.Generator | None = None, batched: bool = False) -> torch.Tensor:
    """‖∇²V(θ)‖₂, the largest |eigenvalue| of the Hessian, by power iteration.

    Args:
        loss_fn: ``loss_fn(params) -> V``; a 0-d tensor, or (M,) with ``batched=True``.
        params: θ, a tensor or a tuple of tensors.
        n_iterations: the most Hessian–vector products.
        rtol: stop early once every estimate changed by less than this fraction in one step.
        generator: draws the random starting vector.
        batched: members along the leading dimension, one power iteration each (one
            Hessian–vector product per iteration serves them all).

    Returns:
        A 0-d tensor, or (M,) with ``batched=True``.

    Method: power iteration v ← Hv / ‖Hv‖ from a Gaussian vector (von Mises, 1929); the
    estimate ‖Hv‖ converges to the largest |eigenvalue| from below, geometrically with
    ratio |λ₂/λ₁|, whatever the eigenvalue's sign (a symmetric H has ‖H‖₂ = max|λᵢ|). The
    gradient and its graph are computed once; each iteration is then one double-backward
    pass (see :func:`hessian_vector_product`).

    Example:
        >>> A = torch.diag(torch.tensor([1.0, -3.0, 2.0]))
        >>> hessian_spectral_norm(lambda x: 0.5 * x @ A @ x, torch.zeros(3))  # ≈ 3.
    """
    _check_loss_fn(loss_fn)
    tensors = _as_tuple("params", params)
    check_positive_int("n_iterations", n_iterations)
    if not isinstance(rtol, (int, float)) or isinstance(rtol, bool) or rtol < 0:
        raise ValueError(f"rtol: expected a non-negative number, got {rtol!r}")
    n_members = _check_members(tensors, batched)
    leaves, gradient = _evaluate(loss_fn, params, tensors, n_members)
    vector = tuple(torch.randn(t.shape, generator=generator, dtype=t.dtype).to(t.device) for t in tensors)
    vector = _scale(vector, 1 / _member_norms(vector, n_members), n_members)
    estimate = None
    for _ in range(n_iterations):
        product = tuple(h.detach() for h in _hessian_times(leaves, gradient, vector))
        norm = _member_norms(product, n_members)
        converged = estimate is not None and bool(((norm - estimate).abs() <= rtol * norm).all())
        estimate = norm
        if converged or not bool((norm > 0).any()):
            break
        # a member whose product vanished (H v = 0) keeps the estimate 0
        vector = _scale(product, torch.where(norm > 0, 1 / norm, torch.ones_like(norm)), n_members)
    return estimate


def simulation_cost_over_horizons(step, x0: torch.Tensor, targets: torch.Tensor, horizons: torch.Tensor, *,
                                  inputs: torch.Tensor | None = None, readout=None) -> torch.Tensor:
    """The simulation cost V_N = (1/N) Σ_{t=1}^{N} ‖g(x_t) − y_t‖² of every member, each over its own horizon N.

    Args:
        step: the map ``step(x (M, d), u) -> (M, d)``; members are independent.
        x0: initial states, (M, d).
        targets: the data y_1, …, y_T, (M, T, o).
        horizons: each member's N, integers 1 ≤ N ≤ T, shape (M,).
        inputs: ``None`` (autonomous), constant (M, m), or a sequence (M, T, m); u_t drives
            the step from x_t to x_{t+1}.
        readout: the output map g on states (M, d) -> (M, o); ``None`` for g(x) = x.

    Returns:
        (M,): member m's cost over its first N_m steps.

    All members are simulated together for max N steps; the cost is accumulated step by
    step (never stacking the trajectory), which keeps double backward through it linear in
    the number of steps. Differentiable with respect to anything ``step`` and ``readout``
    close over, so :func:`hessian_spectral_norm` with ``batched=True`` gives ‖∇²V_N‖ for
    every horizon in one power iteration.

    Example:
        >>> step = linear_map(torch.eye(2))
        >>> simulation_cost_over_horizons(step, torch.ones(2, 2), torch.zeros(2, 5, 2), torch.tensor([1, 5]))  # (2., 2.)
    """
    check_tensor("x0", x0, (None, "d"))
    n_members = x0.shape[0]
    check_tensor("targets", targets, (n_members, "T", "o"))
    check_tensor("horizons", horizons, (n_members,), floating=False)
    if horizons.is_floating_point() or horizons.dtype == torch.bool:
        raise ValueError(f"horizons: expected an integer tensor, got dtype {horizons.dtype}")
    length = targets.shape[1]
    if horizons.min() < 1 or horizons.max() > length:
        raise ValueError(f"horizons: expected integers in [1, T={length}], got values in "
                         f"[{int(horizons.min())}, {int(horizons.max())}]")
    n_steps, input_at = input_schedule(inputs, n_members, int(horizons.max()))
    readout = (lambda x: x) if readout is None else readout
    # weight 1/N_m on steps t <= N_m, 0 after: a mean over each member's own horizon
    weights = (torch.arange(1, n_steps + 1, device=x0.device) <= horizons[:, None]).to(targets.dtype)
    weights = weights / horizons[:, None].to(targets.dtype)  # (M, n_steps)
    x, cost = x0, targets.new_zeros(n_members)
    for t in range(n_steps):
        x = step(x, input_at(t))
        cost = cost + weights[:, t] * (readout(x) - targets[:, t]).pow(2).sum(-1)
    return cost
