"""Analysis tools. Each takes a step function ``step(x (B, d), u (B, m) or None) -> (B, d)``."""
from rnnattr.dynamics.basins import basin_labels
from rnnattr.dynamics.closed_loop import closed_loop
from rnnattr.dynamics.fixed_points import FixedPoints, classify_stability, fixed_points, kinetic_energy
from rnnattr.dynamics.jacobian import jacobian, lipschitz_estimate, sample_box, tangent_step
from rnnattr.dynamics.long_term_jacobian import HorizonStatistics, long_term_jacobian
from rnnattr.dynamics.lyapunov import lyapunov_spectrum
from rnnattr.dynamics.maps import henon_map, linear_map, logistic_map
from rnnattr.dynamics.orbit import orbit

__all__ = [
    "orbit", "closed_loop", "fixed_points", "FixedPoints", "classify_stability", "kinetic_energy", "basin_labels",
    "jacobian", "tangent_step", "lipschitz_estimate", "sample_box",
    "lyapunov_spectrum", "long_term_jacobian", "HorizonStatistics", "logistic_map", "henon_map", "linear_map",
]
