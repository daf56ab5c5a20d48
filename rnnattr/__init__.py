"""rnnattr: recurrent networks as dynamical systems (attractors, smoothness, Lyapunov exponents)."""
from rnnattr.dynamics import (
    henon_map, jacobian, linear_map, lipschitz_estimate, logistic_map, lyapunov_spectrum, orbit,
    sample_box, tangent_step,
)
from rnnattr.models import (
    LSTM, THETA_TRUE, LSTMFamily, OrthogonalRNN, RecurrentModel, StableLSTM, TanhRNN, chaotic_lstm,
    theta_true,
)

__version__ = "0.1.0"

__all__ = [
    "orbit", "jacobian", "tangent_step", "lipschitz_estimate", "sample_box", "lyapunov_spectrum",
    "logistic_map", "henon_map", "linear_map",
    "RecurrentModel", "LSTM", "StableLSTM", "OrthogonalRNN", "TanhRNN", "LSTMFamily",
    "chaotic_lstm", "theta_true", "THETA_TRUE",
]
