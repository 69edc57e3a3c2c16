"""BOHB: Hyperband with configurations from kernel density models."""

from __future__ import annotations

import math

import numpy as np

from hpobench._math.kde import ProductKDE
from hpobench.errors import UserError
from hpobench.methods.hyperband import Hyperband
from hpobench.space import Config
from hpobench.trial import Result, Trial

_FLOOR = 1e-32  # HpBandSter floors both densities here before taking their ratio


class BOHB(Hyperband):
    """BOHB (Falkner, Klein & Hutter, "BOHB: Robust and Efficient
    Hyperparameter Optimization at Scale", ICML 2018).

    Hyperband's bracket schedule (see ``Hyperband``), except that a new
    configuration comes from a model. Every result is stored with the
    fidelity it was evaluated at. For the highest fidelity with enough
    results, the results are sorted by loss (failures as +inf, i.e. worst);
    the best ``n_good = max(min_points_in_model, top_n_percent % of N)``
    give a density ``l(x)`` and the next
    ``n_bad = max(min_points_in_model, (100 - top_n_percent) % of N)`` a
    density ``g(x)`` (product KDEs, ``hpobench._math.kde``). A fidelity has
    enough results when both sets have more than ``d`` points. A new
    configuration is then the best, by ``g(x) / l(x)``, of ``num_samples``
    draws from ``l`` with its continuous bandwidths widened by
    ``bandwidth_factor``; with probability ``random_fraction``, and while no
    fidelity has enough results, it is drawn uniformly instead.

    Defaults are the paper's and HpBandSter's (``config_generators/bohb.py``):
    ``min_points_in_model = d + 1`` (raised to ``d + 1`` if set lower),
    ``top_n_percent = 15``, ``num_samples = 64``, ``random_fraction = 1/3``,
    ``bandwidth_factor = 3``, ``min_bandwidth = 1e-3``, ``eta = 3``.
    Parallel workers: as Hyperband, the next bracket starts while a rung
    waits (HpBandSter's behaviour, which the paper's parallel results use).

    Args:
        space, fidelity, rng: supplied by the runner.
        eta, min_fidelity, max_fidelity, max_brackets, wait: as ``Hyperband``.
        min_points_in_model: results a fidelity needs before it is modelled;
            None for ``d + 1``.
        top_n_percent: the share of results (in percent) that are "good".
        num_samples: candidates drawn from ``l`` per new configuration.
        random_fraction: the share of configurations sampled uniformly.
        bandwidth_factor: widening of ``l``'s bandwidths when drawing candidates.
        min_bandwidth: lower bound on the KDE bandwidths.
    """

    def __init__(self, space, fidelity, rng, eta: float = 3, min_fidelity: float | None = None,
                 max_fidelity: float | None = None, max_brackets: int | None = None, wait: bool = False,
                 min_points_in_model: int | None = None, top_n_percent: float = 15, num_samples: int = 64,
                 random_fraction: float = 1 / 3, bandwidth_factor: float = 3, min_bandwidth: float = 1e-3):
        super().__init__(space, fidelity, rng, eta, min_fidelity, max_fidelity, max_brackets, wait)
        self.min_points_in_model = min_points_in_model
        self.top_n_percent = top_n_percent
        self.num_samples = num_samples
        self.random_fraction = random_fraction
        self.bandwidth_factor = bandwidth_factor
        self.min_bandwidth = min_bandwidth
        self._check_settings()
        self.results: dict[float, tuple[list[np.ndarray], list[float]]] = {}  # fidelity -> (points, losses)
        self.models: dict[float, tuple[int, ProductKDE, ProductKDE]] = {}  # fidelity -> (N fitted on, l, g)

    def _check_settings(self) -> None:
        """Refuse settings outside their ranges (UserError), before the first ask."""
        if not 0 < self.top_n_percent < 100 or not 0 <= self.random_fraction <= 1 or self.num_samples < 1:
            raise UserError("BOHB needs 0 < top_n_percent < 100, 0 <= random_fraction <= 1 and num_samples >= 1; "
                            "fix the method.* settings.")

    @property
    def min_points(self) -> int:
        """Results a fidelity needs before it is modelled: ``min_points_in_model``, at least ``d + 1``."""
        return max(len(self.space) + 1, self.min_points_in_model or 0)

    def tell(self, trial: Trial, result: Result) -> None:
        super().tell(trial, result)
        self.observe(trial.config, trial.fidelity, math.inf if result.failed else result.loss)

    def observe(self, config: Config, fidelity: float, loss: float) -> None:
        """Store a result for the model of ``fidelity`` (failures as ``inf``)."""
        points, losses = self.results.setdefault(fidelity, ([], []))
        points.append(self.space.choice_indices(self.space.encode([config])[0]))  # KDE coordinates
        losses.append(loss)

    def sample(self, fidelity: float) -> Config:
        model = self._model()
        # Short-circuit as HpBandSter does: no random number is drawn while there is no model.
        if model is None or self.rng.random() < self.random_fraction:
            return self.space.sample(self.rng, 1)[0]
        good, bad = model
        candidates = good.sample(self.rng, self.num_samples, self.bandwidth_factor)
        # Minimise g/l (Bergstra et al. 2011: maximising l/g maximises expected improvement).
        score = (np.maximum(bad.logpdf(candidates), math.log(_FLOOR))
                 - np.maximum(good.logpdf(candidates), math.log(_FLOOR)))
        best = candidates[int(np.argmin(score))]
        return self.space.decode(self.space.choice_centres(best)[None, :])[0]

    def _model(self) -> tuple[ProductKDE, ProductKDE] | None:
        """(l, g) for the highest fidelity with enough results, refitted when it has new ones."""
        d = len(self.space)
        for fidelity in sorted(self.results, reverse=True):
            points, losses = self.results[fidelity]
            n = len(losses)
            if n < self.min_points:
                continue
            n_good = max(self.min_points, math.floor(self.top_n_percent * n / 100))
            n_bad = max(self.min_points, math.floor((100 - self.top_n_percent) * n / 100))
            if n_good <= d or min(n_bad, n - n_good) <= d:
                continue  # HpBandSter: each KDE needs more points than dimensions
            cached = self.models.get(fidelity)
            if cached is None or cached[0] != n:
                order = np.argsort(np.asarray(losses), kind="stable")  # ties: earlier results first
                data, levels = np.asarray(points), self.space.n_choices
                good = ProductKDE(data[order[:n_good]], levels, self.min_bandwidth)
                bad = ProductKDE(data[order[n_good:n_good + n_bad]], levels, self.min_bandwidth)
                cached = self.models[fidelity] = (n, good, bad)
            return cached[1], cached[2]
        return None

