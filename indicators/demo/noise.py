"""Stable randomness for the demo: every draw comes from a seed and a stable hash of what it is for.

Python's ``hash`` is salted per process, so choices such as "is this series late" hash their key with
BLAKE2b instead; generators are seeded with the demo seed and such a hash, so one series' draws never
depend on which other series were generated before it.
"""

from __future__ import annotations

import hashlib

import numpy as np


def digest(*parts: object) -> int:
    """A stable 64-bit hash of ``parts``."""
    text = "|".join(str(p) for p in parts)
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def rng(seed: int, *parts: object) -> np.random.Generator:
    """A generator seeded with the demo seed and the stable hash of ``parts``."""
    return np.random.default_rng([seed % 2**32, digest(*parts)])


def unit(seed: int, *parts: object) -> float:
    """A stable number in [0, 1) for a choice such as "is this series late"."""
    return digest(seed, *parts) / 2**64


def normal(seed: int, *parts: object) -> float:
    """A stable standard normal number (Box-Muller on two stable uniforms); no generator needed."""
    u1, u2 = 1 - unit(seed, *parts, "u1"), unit(seed, *parts, "u2")
    return float(np.sqrt(-2 * np.log(u1)) * np.cos(2 * np.pi * u2))


def ar1(generator: np.random.Generator, rows: int, n: int, phi: float, sd: float) -> np.ndarray:
    """Autocorrelated noise with stationary sd ``sd``: figures wander, they do not jump independently.

    Args:
        generator: where the draws come from.
        rows, n: the shape of the result.
        phi: lag-one autocorrelation, 0 < phi < 1.
        sd: the stationary standard deviation.

    Returns:
        A (rows, n) array.
    """
    burn = int(np.ceil(np.log(0.01) / np.log(phi)))
    white = generator.normal(0.0, sd * np.sqrt(1 - phi**2), size=(rows, n + burn))
    kernel = phi ** np.arange(burn + 1)
    return np.array([np.convolve(row, kernel)[burn : burn + n] for row in white]).reshape(rows, n)
