"""Small exponential-smoothing models fitted in compiled code: SES, Holt, damped trend, complex
exponential smoothing (CES) and the dynamic optimised theta method (DOTM).

All of them run on seasonally adjusted data (see :mod:`forecasting.combination`), so none carries a
seasonal state. SES, Holt, damped trend and CES are linear innovations state-space models with two
states: ``yhat_t = w' x_{t-1}``, ``x_t = F x_{t-1} + g e_t``. Their one-step errors are linear in the
initial states, which are therefore solved by least squares for every trial of the smoothing
weights (concentrated out) rather than searched for; the weights are searched by a bounded
Nelder-Mead simplex. DOTM (Fiorucci et al. 2016) updates its theta line as data arrive; its initial
level is concentrated out the same way.

numba compiles the recursions and the simplex search (``cache=True``: the machine code is kept on
disk beside this file, so only the first run after an install pays the compilation); a fit costs
tens to hundreds of microseconds where the same recursion in Python costs tens of milliseconds.

References: Hyndman et al. (2008), "Forecasting with exponential smoothing" (the state-space forms
and their h-step variances); Svetunkov, Kourentzes & Ord (2022), "Complex exponential smoothing";
Fiorucci et al. (2016), "Models for optimising the theta method and their relationship to state
space models"; Petropoulos & Svetunkov (2020), "A simple combination of univariate models".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numba import njit

SES, HOLT, DAMPED, CES, DOTM = 0, 1, 2, 3, 4
KINDS: Final = {"ses": SES, "holt": HOLT, "damped": DAMPED, "ces": CES, "dotm": DOTM}
# Start and bounds of the searched parameters: smoothing weights (alpha, then the trend's share of
# it, beta = alpha * beta_share), the damping phi (0.8-0.98, Hyndman et al.'s range), CES's complex
# weight a0 + i a1 (the bounds of Svetunkov's smooth package), DOTM's alpha and theta.
_START: Final = {SES: (0.5,), HOLT: (0.5, 0.1), DAMPED: (0.5, 0.1, 0.95), CES: (1.3, 1.0), DOTM: (0.5, 2.0)}
_LOWER: Final = {SES: (1e-4,), HOLT: (1e-4, 1e-4), DAMPED: (1e-4, 1e-4, 0.8), CES: (0.01, 0.01), DOTM: (0.1, 1.0)}
_UPPER: Final = {SES: (0.9999,), HOLT: (0.9999, 0.9999), DAMPED: (0.9999, 0.9999, 0.98), CES: (1.8, 1.9),
                 DOTM: (0.99, 50.0)}
# DOTM's loss leaves out its first errors, made while the theta line rests on one or two points.
_DOTM_SKIP: Final = 3


@dataclass(frozen=True)
class Fit:
    """A fitted model on one (adjusted) series.

    Attributes:
        kind: One of SES, HOLT, DAMPED, CES, DOTM.
        params: The searched parameters.
        sse: Sum of squared one-step errors.
        n: Observations fitted.
        state: The final state (for DOTM: level, mean, A, B).
    """

    kind: int
    params: np.ndarray
    sse: float
    n: int
    state: np.ndarray

    @property
    def sigma2(self) -> float:
        """Variance of the one-step errors, with one degree of freedom per parameter and state."""
        used = len(self.params) + (1 if self.kind in (SES, DOTM) else 2)
        return self.sse / max(self.n - used, 1)

    @property
    def aicc(self) -> float:
        """Corrected Akaike criterion of the Gaussian likelihood (sigma concentrated out)."""
        k = len(self.params) + (1 if self.kind in (SES, DOTM) else 2) + 1
        n = self.n
        if n - k - 1 <= 0 or not self.sse > 0:
            return np.inf
        return n * np.log(self.sse / n) + 2 * k + 2 * k * (k + 1) / (n - k - 1)


@njit(cache=True)
def _system(kind: int, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Transition F, persistence g and measurement w of a two-state linear model."""
    F = np.zeros((2, 2))
    g = np.zeros(2)
    w = np.zeros(2)
    if kind == SES:
        F[0, 0], g[0], w[0] = 1.0, p[0], 1.0
    elif kind == HOLT:
        F[0, 0], F[0, 1], F[1, 1] = 1.0, 1.0, 1.0
        g[0], g[1] = p[0], p[0] * p[1]
        w[0], w[1] = 1.0, 1.0
    elif kind == DAMPED:
        F[0, 0], F[0, 1], F[1, 1] = 1.0, p[2], p[2]
        g[0], g[1] = p[0], p[0] * p[1]
        w[0], w[1] = 1.0, p[2]
    else:  # CES
        F[0, 0], F[0, 1], F[1, 0], F[1, 1] = 1.0, p[1] - 1.0, 1.0, 1.0 - p[0]
        g[0], g[1] = p[0] - p[1], p[0] + p[1]
        w[0] = 1.0
    return F, g, w


@njit(cache=True)
def _linear_pass(kind: int, p: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Sum of squared one-step errors with the best initial states, and the final state.

    The filter runs once from a zero state while tracking how the state depends on the initial
    one (S_t = (F - g w') S_{t-1}); the errors are then e0_t - r_t x0 with r_t = w' S_{t-1}, and x0
    is their least-squares solution (2 x 2 normal equations, a tiny ridge for models whose second
    state is unused).
    """
    F, g, w = _system(kind, p)
    n = len(y)
    x0, x1 = 0.0, 0.0
    s00, s01, s10, s11 = 1.0, 0.0, 0.0, 1.0
    a = b = c = u = v = ee = 0.0
    for t in range(n):
        e = y[t] - (w[0] * x0 + w[1] * x1)
        r0 = w[0] * s00 + w[1] * s10
        r1 = w[0] * s01 + w[1] * s11
        a += r0 * r0
        b += r0 * r1
        c += r1 * r1
        u += r0 * e
        v += r1 * e
        ee += e * e
        x0, x1 = F[0, 0] * x0 + F[0, 1] * x1 + g[0] * e, F[1, 0] * x0 + F[1, 1] * x1 + g[1] * e
        n00 = F[0, 0] * s00 + F[0, 1] * s10 - g[0] * r0
        n01 = F[0, 0] * s01 + F[0, 1] * s11 - g[0] * r1
        n10 = F[1, 0] * s00 + F[1, 1] * s10 - g[1] * r0
        n11 = F[1, 0] * s01 + F[1, 1] * s11 - g[1] * r1
        s00, s01, s10, s11 = n00, n01, n10, n11
    ridge = 1e-9 * (a + c) + 1e-300
    det = (a + ridge) * (c + ridge) - b * b
    start0 = ((c + ridge) * u - b * v) / det
    start1 = ((a + ridge) * v - b * u) / det
    # |e0 - R x0|^2 expanded, so the errors need not be stored.
    sse = ee - 2 * (start0 * u + start1 * v) + start0 * start0 * a + 2 * start0 * start1 * b + start1 * start1 * c
    state = np.empty(2)
    state[0] = x0 + s00 * start0 + s01 * start1
    state[1] = x1 + s10 * start0 + s11 * start1
    if not np.isfinite(sse) or not np.isfinite(state).all():
        return np.inf, state
    return max(sse, 0.0), state


@njit(cache=True)
def _dotm_pass(p: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """DOTM's loss (squared one-step errors after the first few) with the best initial level, and
    its final state (level, mean, A, B)."""
    alpha, theta = p[0], p[1]
    n = len(y)
    weight = 1.0 - 1.0 / theta
    level, sensitivity = alpha * y[0], 1.0 - alpha
    mean, slope, intercept = y[0], 0.0, y[0]
    rr = re = ee = 0.0
    decay = 1.0 - alpha
    power = decay  # (1 - alpha) ** i
    for i in range(1, n):
        mu = level + weight * (intercept * power + slope * (1.0 - power * decay) / alpha)
        e = y[i] - mu
        if i >= _DOTM_SKIP:
            rr += sensitivity * sensitivity
            re += sensitivity * e
            ee += e * e
        level = alpha * y[i] + decay * level
        sensitivity *= decay
        slope = ((i - 1) * slope + 6.0 * (y[i] - mean) / (i + 1)) / (i + 2)
        mean = (i * mean + y[i]) / (i + 1)
        intercept = mean - slope * (i + 2) / 2
        power *= decay
    start = re / rr if rr > 0 else 0.0
    state = np.empty(4)
    state[0], state[1], state[2], state[3] = level + sensitivity * start, mean, intercept, slope
    sse = ee - 2 * start * re + start * start * rr
    if not np.isfinite(sse) or not np.isfinite(state).all():
        return np.inf, state
    return max(sse, 0.0), state


@njit(cache=True)
def _spectral_radius(a: np.ndarray) -> float:
    """Largest eigenvalue modulus of a 2 x 2 matrix."""
    trace, det = a[0, 0] + a[1, 1], a[0, 0] * a[1, 1] - a[0, 1] * a[1, 0]
    disc = trace * trace / 4 - det
    if disc >= 0:
        return abs(trace / 2) + np.sqrt(disc)
    return np.sqrt(det)


@njit(cache=True)
def _admissible(kind: int, p: np.ndarray) -> bool:
    """Whether CES's forecasts neither explode (eigenvalues of F within the unit circle) nor
    depend ever more on the distant past (those of F - g w' inside it)."""
    if kind != CES:
        return True
    F, g, w = _system(kind, p)
    return _spectral_radius(F) <= 1.0 + 1e-9 and _spectral_radius(F - np.outer(g, w)) < 1.0


@njit(cache=True)
def _loss(kind: int, p: np.ndarray, y: np.ndarray) -> float:
    if kind == DOTM:
        return _dotm_pass(p, y)[0]
    if not _admissible(kind, p):
        return np.inf
    return _linear_pass(kind, p, y)[0]


@njit(cache=True)
def _clip(x: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    return np.minimum(np.maximum(x, lower), upper)


@njit(cache=True)
def _nelder_mead(kind: int, y: np.ndarray, start: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Minimise the model's loss over a box by the Nelder-Mead simplex (points kept in the box)."""
    d = len(start)
    simplex = np.empty((d + 1, d))
    values = np.empty(d + 1)
    simplex[0] = _clip(start, lower, upper)
    for i in range(d):
        point = simplex[0].copy()
        step = 0.1 * (upper[i] - lower[i])
        point[i] = point[i] + step if point[i] + step <= upper[i] else point[i] - step
        simplex[i + 1] = point
    for i in range(d + 1):
        values[i] = _loss(kind, simplex[i], y)
    for _ in range(200 * d):
        order = np.argsort(values)
        simplex, values = simplex[order], values[order]
        spread = np.abs(simplex[1:] - simplex[0]).max()
        if values[-1] - values[0] <= 1e-8 * (abs(values[0]) + 1e-12) and spread <= 1e-5:
            break
        centroid = np.zeros(d)
        for i in range(d):
            centroid += simplex[i]
        centroid /= d
        reflected = _clip(2 * centroid - simplex[-1], lower, upper)
        f_reflected = _loss(kind, reflected, y)
        if f_reflected < values[0]:
            expanded = _clip(3 * centroid - 2 * simplex[-1], lower, upper)
            f_expanded = _loss(kind, expanded, y)
            if f_expanded < f_reflected:
                simplex[-1], values[-1] = expanded, f_expanded
            else:
                simplex[-1], values[-1] = reflected, f_reflected
        elif f_reflected < values[-2]:
            simplex[-1], values[-1] = reflected, f_reflected
        else:
            if f_reflected < values[-1]:
                contracted = 0.5 * (centroid + reflected)
            else:
                contracted = 0.5 * (centroid + simplex[-1])
            f_contracted = _loss(kind, contracted, y)
            if f_contracted < min(f_reflected, values[-1]):
                simplex[-1], values[-1] = contracted, f_contracted
            else:
                for i in range(1, d + 1):
                    simplex[i] = 0.5 * (simplex[0] + simplex[i])
                    values[i] = _loss(kind, simplex[i], y)
    return simplex[np.argmin(values)].copy()


@njit(cache=True)
def _linear_forecast(kind: int, p: np.ndarray, state: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Point forecasts from the final state, and the factors c_j = w' F^(j-1) g of the h-step variance."""
    F, g, w = _system(kind, p)
    yhat = np.empty(horizon)
    weights = np.empty(horizon)
    x = state.copy()
    m = g.copy()
    for j in range(horizon):
        yhat[j] = w[0] * x[0] + w[1] * x[1]
        weights[j] = w[0] * m[0] + w[1] * m[1]
        x = F @ x
        m = F @ m
    return yhat, weights


@njit(cache=True)
def _dotm_forecast(p: np.ndarray, state: np.ndarray, n: int, horizon: int) -> np.ndarray:
    """DOTM's forecasts: its recursion run on with its own forecasts as data."""
    alpha, theta = p[0], p[1]
    weight, decay = 1.0 - 1.0 / theta, 1.0 - alpha
    level, mean, intercept, slope = state[0], state[1], state[2], state[3]
    yhat = np.empty(horizon)
    for j in range(horizon):
        i = n + j
        power = decay**i
        mu = level + weight * (intercept * power + slope * (1.0 - power * decay) / alpha)
        yhat[j] = mu
        level = alpha * mu + decay * level
        slope = ((i - 1) * slope + 6.0 * (mu - mean) / (i + 1)) / (i + 2)
        mean = (i * mean + mu) / (i + 1)
        intercept = mean - slope * (i + 2) / 2
    return yhat


def fit(kind: int, y: np.ndarray, params: np.ndarray | None = None) -> Fit:
    """Fit a model, or re-run it with given parameters (the initial states are always solved).

    Args:
        kind: SES, HOLT, DAMPED, CES or DOTM.
        y: Observations without NaN (at least 4 for DOTM).
        params: Parameters of an earlier fit, to reuse instead of searching.

    Returns:
        The fit.
    """
    y = np.ascontiguousarray(y, dtype=float)
    if params is None:
        params = _nelder_mead(kind, y, np.array(_START[kind]), np.array(_LOWER[kind]), np.array(_UPPER[kind]))
    sse, state = _dotm_pass(params, y) if kind == DOTM else _linear_pass(kind, params, y)
    if not np.isfinite(sse):
        raise ValueError(f"{_name(kind)} diverged with parameters {np.round(params, 4).tolist()}")
    return Fit(kind, params, float(sse), len(y), state)


def predict(model: Fit, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Point forecasts and their standard deviations.

    The linear models use their exact h-step variance, sigma^2 (1 + sum_{j<h} c_j^2); DOTM uses that
    of SES with its alpha, sigma^2 (1 + (h - 1) alpha^2), as its drift is nearly deterministic.

    Args:
        model: A fit.
        horizon: Periods ahead.

    Returns:
        ``(yhat, sd)``.
    """
    if model.kind == DOTM:
        yhat = _dotm_forecast(model.params, model.state, model.n, horizon)
        factors = np.arange(horizon) * model.params[0] ** 2
    else:
        yhat, weights = _linear_forecast(model.kind, model.params, model.state, horizon)
        factors = np.concatenate([[0.0], np.cumsum(weights[:-1] ** 2)])
    return yhat, np.sqrt(model.sigma2 * (1.0 + factors))


def _name(kind: int) -> str:
    return next(name for name, value in KINDS.items() if value == kind)


def warm_up() -> None:
    """Compile (or load from the on-disk cache) every kernel, e.g. before forking workers."""
    y = np.linspace(1.0, 2.0, 12) + np.sin(np.arange(12))
    for kind in KINDS.values():
        predict(fit(kind, y), 2)
