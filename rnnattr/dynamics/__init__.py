"""Analysis tools. Each takes a step function ``step(x (B, d), u (B, m) or None) -> (B, d)``."""
from rnnattr.dynamics.jacobian import jacobian, lipschitz_estimate, sample_box, tangent_step
from rnnattr.dynamics.lyapunov import lyapunov_spectrum
from rnnattr.dynamics.maps import henon_map, linear_map, logistic_map
from rnnattr.dynamics.orbit import orbit

__all__ = [
    "orbit", "jacobian", "tangent_step", "lipschitz_estimate", "sample_box",
    "lyapunov_spectrum", "logistic_map", "henon_map", "linear_map",
]
