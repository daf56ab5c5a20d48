"""rnnattr: recurrent networks as dynamical systems (attractors, smoothness, Lyapunov exponents)."""
from rnnattr.dynamics import (
    FixedPoints,
    basin_labels,
    classify_stability,
    closed_loop,
    fixed_points,
    henon_map,
    jacobian,
    kinetic_energy,
    linear_map,
    lipschitz_estimate,
    logistic_map,
    long_term_jacobian,
    lyapunov_spectrum,
    orbit,
    sample_box,
    tangent_step,
)
from rnnattr.entropy import gaussian_entropy, kozachenko_leonenko_entropy, log_abs_det_jacobian
from rnnattr.flossing import FlossingConfig, floss, flossing_callback, flossing_loss
from rnnattr.models import (
    GRU,
    LSTM,
    THETA_TRUE,
    LSTMFamily,
    OrthogonalRNN,
    RecurrentModel,
    StableLSTM,
    TanhRNN,
    chaotic_lstm,
    from_torch,
    theta_true,
)
from rnnattr.smoothness import (
    gradient_norm,
    hessian_spectral_norm,
    hessian_vector_product,
    simulation_cost_over_horizons,
)

__version__ = "0.1.0"

__all__ = [
    "orbit", "closed_loop", "fixed_points", "FixedPoints", "classify_stability", "kinetic_energy", "basin_labels",
    "jacobian", "tangent_step", "lipschitz_estimate", "sample_box", "lyapunov_spectrum", "long_term_jacobian",
    "flossing_loss", "floss", "FlossingConfig", "flossing_callback",
    "logistic_map", "henon_map", "linear_map",
    "RecurrentModel", "LSTM", "StableLSTM", "OrthogonalRNN", "TanhRNN", "GRU", "LSTMFamily",
    "from_torch", "chaotic_lstm", "theta_true", "THETA_TRUE",
    "gaussian_entropy", "kozachenko_leonenko_entropy", "log_abs_det_jacobian",
    "gradient_norm", "hessian_vector_product", "hessian_spectral_norm", "simulation_cost_over_horizons",
]
