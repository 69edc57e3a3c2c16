"""Bayesian optimisation with a Gaussian process and log expected improvement."""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize
from scipy.stats import qmc

from hpobench._math.acquisition import log_ei, log_ei_grad
from hpobench._math.gp import MIN_NOISE, PRIORS, GaussianProcess, Hyper, fit_hyper, fresh_starts
from hpobench._math.threads import single_blas_thread
from hpobench.errors import UserError
from hpobench.methods._settings import number, whole
from hpobench.methods.base import Method
from hpobench.trial import Result, Trial


class GPBO(Method):
    """GP-based Bayesian optimisation (Snoek, Larochelle & Adams, "Practical
    Bayesian Optimization of Machine Learning Algorithms", NeurIPS 2012) with
    log expected improvement (Ament et al., "Unexpected Improvements to
    Expected Improvement for Bayesian Optimization", NeurIPS 2023).

    Everything happens on the space's unit cube. The first ``n_initial``
    trials are a scrambled Sobol design (scipy.stats.qmc, seeded from
    ``rng``). Afterwards each ask:

    1. standardises the finished losses (failed trials count as the worst
       loss seen, so the model steers away from them);
    2. fits a GP with a Matérn-5/2 ARD kernel (the Hamming distance on
       categoricals, as in Optuna's GPSampler) and a noise term by maximising
       the marginal likelihood plus log priors (:mod:`hpobench._math.gp`;
       on a space with integers or categoricals the fit takes Optuna's
       GPSampler's priors, which keep the length scales near 1, see
       ``lengthscale_prior``),
       running L-BFGS-B from the previous fit and, every ``restart_every``
       fits, also from length scale 1 in every dimension;
    3. scores ``n_candidates`` Sobol points plus Gaussian perturbations of the
       best trials with log EI, and polishes the ``n_polish`` best with
       L-BFGS-B on the Float coordinates (analytic gradients); on a space
       with integers or categoricals, a discrete local search then moves
       each of those points to its best choice or integer, alternating
       with the polish (``_local_search``, after Optuna's
       ``optim_mixed.local_search_mixed``: every choice, and for an integer
       every value of a grid over its whole range as well as its
       neighbours);
    4. asks for the best point after snapping it to the space's grid of
       valid values (``decode`` then ``encode``: integers round, a
       categorical takes its choice's cell centre), so it never proposes a
       point outside the space. Candidates are snapped before scoring, so the
       acquisition is judged where the trial will really run (Garrido-
       Merchán & Hernández-Lobato, Neurocomputing 2020).

    Pending trials (``workers > 1``) are handled by the *kriging believer*
    (Ginsbourger et al., 2010): the GP is conditioned on them, without
    noise, with its own posterior mean as their result, and the incumbent
    includes these believed results; improvement at a pending point is then
    zero and small nearby, so pending points are not proposed again. A candidate identical to a
    finished or pending trial is never asked; if all are, a random point is.

    Defaults: ``n_initial=10`` (Optuna's GPSampler and scikit-optimize use
    10 initial points); 1024 Sobol candidates are BoTorch's usual
    ``raw_samples``; 3 polished starts and a fresh fit every 5 asks
    keep a suggestion as fast as Optuna's GPSampler (see
    docs/benchmarks-model-based.md).
    Trials run at the task's full fidelity.

    Args:
        space: the search space.
        fidelity: the task's fidelity axis (ignored: full fidelity only).
        rng: the method's random generator; every draw comes from it.
        n_initial: trials of the Sobol initial design.
        n_candidates: Sobol candidates scored per ask.
        n_local: perturbations of each of the 5 best trials scored per ask.
        local_scale: standard deviation of those perturbations on the unit cube.
        n_polish: best candidates polished with L-BFGS-B.
        restart_every: every this many fits, the hyperparameters are also
            fitted from :func:`~hpobench._math.gp.fresh_starts` (otherwise
            only from the last fit), and the better fit is kept.
        discrete_steps: the moves of an Int in the discrete local search, as
            fractions of its unit-cube range (0: the next integer).
        int_grid: the discrete local search also tries this many values of
            an Int spread over its whole range (log-evenly when log), so
            every integer when it has at most this many. Optuna's GPSampler
            tries every integer when there are at most 16 and otherwise runs
            a line search over the whole range (``optim_mixed.py``,
            ``_local_search_discrete``); a grid of 32 and the moves of
            ``discrete_steps`` around the point cover both. 0: only the
            moves (on 5 seeds of ``mixed_branin``, median regret 0.016
            without the grid, 0.005 with it).
        incumbent: what EI must improve on: ``"observed"``, the lowest
            standardised loss; ``"mean"``, the lowest posterior mean at the
            trials, the "plug-in" incumbent of Picheny et al. ("A benchmark
            of kriging-based infill criteria for noisy optimization", Struct.
            Multidisc. Optim. 2013) that BoTorch recommends for noisy data.
            Measured before the fit took Optuna's noise prior: it rescued
            ``mixed_hartmann`` seed 8 (the fit put a noise of 0.03 under a
            lucky initial trial and EI against the observed value sent 70
            trials elsewhere) but over 20 seeds of the mixed-space benchmark
            it was worse (median 0.1 against 0.038 on mixed_hartmann, worst
            0.44 against 0.31), so it is an option, not the default; the
            fit now interpolates that trial instead (``lengthscale_prior``).
        lengthscale_prior: ``"hvarfner"``, the dimension-scaled log-normal
            of Hvarfner et al. (ICML 2024); ``"optuna"``, Optuna's
            GPSampler's priors (``optuna/_gp/prior.py``): ``-(0.1 / q + 0.1
            q)`` on ``q = 1 / l^2``, Gamma(2, 1) on the signal and Gamma(1.1,
            30) on the noise as Optuna adds them to its fit, with fresh fits
            also started from length scale 0.2
            (:func:`~hpobench._math.gp.fresh_starts`); ``"auto"``:
            ``"optuna"`` on a space with an Int or a Categorical,
            ``"hvarfner"`` on an all-Float one. On the mixed-space benchmark
            the dimension-scaled prior (its mode l = 11 in 8 dimensions) gave
            length scales of 10-50 to a relevant float and to the choices,
            and runs ended at the float's bound and the wrong pair of
            choices; on all-Float spaces it measured better
            (docs/benchmarks-model-based.md).
        local_rounds: at most this many rounds of the discrete local search.
        n_discrete_starts: on a space with integers or categoricals, this
            many more starts of polish and local search: the best candidates
            of other discrete settings than the ``n_polish`` best.
        joint_max: when the categoricals have at most this many combinations
            of choices, each round of the local search also tries them all at
            once (two choices may only pay off together, which one-at-a-time
            moves never find).
        fit_max: with more finished trials than this, the hyperparameters are
            fitted on a uniformly drawn subset of this many (the "subset of
            data" approximation, Rasmussen & Williams 2006, sec. 8.3.3, a
            strong baseline for hyperparameter learning in Chalupka, Williams
            & Murray, JMLR 2013), so a fit costs the same at any size; the
            posterior is still conditioned on every trial, exactly.
        n_roulette: this many more starts of polish (and, on a space with
            integers or categoricals, local search), drawn among the
            candidates with probability proportional to EI (Optuna's
            GPSampler draws 8 such starts, ``optim_mixed.optimize_acqf_mixed``).
            0 (the default): none. On all-Float spaces, see
            docs/benchmarks.md ("Model-based methods at scale") for 8 starts
            with Optuna's priors. On 20 seeds of ``mixed_hartmann`` at 100 evaluations, 15
            roulette starts gave median regret 0.1 and worst 0.19 against 0.038
            and 0.31 with none (the earlier noise prior); with today's priors,
            15 starts left 2 of the first 13 seeds above 0.1001 (worst 0.20),
            none does so on any of the 20, so it is not the default.
        n_sobol_starts: on an all-Float space, this many more starts of the
            polish: the best of the Sobol points alone (BoTorch's
            ``optimize_acqf`` and Optuna's GPSampler start every search from
            their global samples). The perturbations of the best trials
            usually hold the best few scores, so without these every polish
            starts near a best trial. 0 (the default): none. With
            ``fit_max=1024`` and ``lengthscale_prior=optuna`` gp ends as
            Optuna's GP or lower on Hartmann-6 and Levy-10 after 200 to 1,000
            random trials, at about half its time (docs/benchmarks.md,
            "Model-based methods at scale"); alone, they leave the 20 seeds of
            ``+experiment=peers_blackbox`` level (paired Wilcoxon p 0.28-0.70)
            and made ``mixed_hartmann`` worse (median 0.1 against 5e-4), so
            on mixed spaces they are not added.
    """

    def __init__(self, space, fidelity, rng, n_initial: int = 10, n_candidates: int = 1024, n_local: int = 64,
                 local_scale: float = 0.05, n_polish: int = 3, restart_every: int = 5,
                 discrete_steps: tuple[float, ...] = (0.0, 0.05), local_rounds: int = 10,
                 fit_max: int = 256, n_discrete_starts: int = 5, joint_max: int = 256, int_grid: int = 32,
                 lengthscale_prior: str = "auto", incumbent: str = "observed", n_roulette: int = 0,
                 n_sobol_starts: int = 0):
        super().__init__(space, fidelity, rng)
        self.n_initial = n_initial
        self.n_candidates = n_candidates
        self.n_local = n_local
        self.local_scale = local_scale
        self.n_polish = n_polish
        self.restart_every = restart_every
        self.discrete_steps = discrete_steps
        self.local_rounds = local_rounds
        self.fit_max = fit_max
        self.n_discrete_starts = n_discrete_starts
        self.joint_max = joint_max
        self.int_grid = int_grid
        self.lengthscale_prior = lengthscale_prior
        self.incumbent = incumbent
        self.n_roulette = n_roulette
        self.n_sobol_starts = n_sobol_starts
        self._check_settings()
        self._x: list[np.ndarray] = []
        self._y: list[float] = []
        self._pending: dict[int, np.ndarray] = {}
        self._design: np.ndarray | None = None
        self._hyper: Hyper | None = None

    def _check_settings(self) -> None:
        """Refuse settings outside their ranges (UserError), before the first ask."""
        whole("n_initial", self.n_initial, 1)
        whole("n_candidates", self.n_candidates, 1)
        if self.n_candidates & (self.n_candidates - 1):
            raise UserError(f"method.n_candidates must be a power of two (Sobol points), got {self.n_candidates}; "
                            f"fix the method.* setting.")
        whole("n_local", self.n_local, 0)
        number("local_scale", self.local_scale, 0, low_open=True)
        whole("n_polish", self.n_polish, 0)
        whole("restart_every", self.restart_every, 1)
        if isinstance(self.discrete_steps, (str, bytes)) or not hasattr(self.discrete_steps, "__iter__"):
            raise UserError(f"method.discrete_steps must be a list of numbers in [0, 1], got {self.discrete_steps!r}; "
                            "fix the method.* setting.")
        for step in self.discrete_steps:
            number("discrete_steps", step, 0, 1)
        self.discrete_steps = tuple(float(step) for step in self.discrete_steps)
        whole("local_rounds", self.local_rounds, 0)
        whole("fit_max", self.fit_max, 2)
        whole("n_discrete_starts", self.n_discrete_starts, 0)
        whole("joint_max", self.joint_max, 0)
        whole("int_grid", self.int_grid, 0)
        whole("n_roulette", self.n_roulette, 0)
        whole("n_sobol_starts", self.n_sobol_starts, 0)
        if self.lengthscale_prior not in ("auto", *PRIORS):
            raise UserError(f"method.lengthscale_prior must be one of auto, {', '.join(PRIORS)}, got "
                            f"{self.lengthscale_prior!r}; fix the method.* setting.")
        if self.incumbent not in ("observed", "mean"):
            raise UserError(f"method.incumbent must be observed or mean, got {self.incumbent!r}; "
                            "fix the method.* setting.")

    def _prior(self) -> str:
        """The length-scale prior in use (``lengthscale_prior``, ``"auto"`` resolved for this space)."""
        if self.lengthscale_prior != "auto":
            return self.lengthscale_prior
        return "hvarfner" if self.space.continuous.all() else "optuna"

    def _plug_in(self) -> bool:
        """Whether EI improves on the lowest posterior mean at the trials (``incumbent``)."""
        return self.incumbent == "mean"

    def ask(self) -> Trial:
        if self._asked < self.n_initial:
            unit = self._initial_design()[self._asked]
        else:
            with single_blas_thread():
                unit = self._suggest()
        trial = self.new_trial(self.space.decode(unit[None, :])[0])
        self._pending[trial.id] = self.space.encode([trial.config])[0]
        return trial

    def tell(self, trial: Trial, result: Result) -> None:
        self._x.append(self._pending.pop(trial.id))
        self._y.append(math.nan if result.failed else float(result.loss))

    def _initial_design(self) -> np.ndarray:
        if self._design is None:
            sobol = qmc.Sobol(len(self.space), scramble=True, seed=self.rng.integers(2**32))
            self._design = sobol.random_base2(max(0, math.ceil(math.log2(max(self.n_initial, 1)))))
        return self._design

    def _suggest(self) -> np.ndarray:
        x, y = np.asarray(self._x), np.asarray(self._y)
        ok = np.isfinite(y)
        if not ok.any():  # nothing but failures (or nothing told yet): keep exploring
            return self.rng.random(len(self.space))
        y = np.where(ok, y, y[ok].max())  # a failure is as bad as the worst success
        y = (y - y.mean()) / (y.std() if y.std() > 0 else 1.0)
        starts = [] if self._hyper is None else [self._hyper]
        if not starts or len(y) % self.restart_every == 0:
            starts += fresh_starts(x.shape[1], self._prior())
        cat = self.space.n_choices > 0
        cat = cat if cat.any() else None  # the Hamming kernel on categoricals (None: all ordered)
        fit_x, fit_y = x, y
        if len(y) > self.fit_max:  # subset of data for the hyperparameters; the posterior below uses all
            keep = np.sort(self.rng.choice(len(y), self.fit_max, replace=False))
            fit_x, fit_y = x[keep], y[keep]
        self._hyper = fit_hyper(fit_x, fit_y, starts, categorical=cat, prior=self._prior())
        gp = GaussianProcess.condition(x, y, self._hyper, categorical=cat)
        best = float(y.min())
        if self._plug_in():  # the plug-in incumbent: a lucky value the model calls noise no longer blocks EI
            best = float(gp.predict(x)[0].min())
        seen = x
        if self._pending:  # kriging believer: pretend pending trials returned the posterior mean
            xp = np.asarray(list(self._pending.values()))
            believed = gp.predict(xp)[0]
            noise = np.concatenate([np.full(len(y), self._hyper.noise), np.full(len(xp), MIN_NOISE)])
            gp = GaussianProcess.condition(np.vstack([x, xp]), np.concatenate([y, believed]), self._hyper, noise,
                                           categorical=cat)
            best = min(best, float(believed.min()))  # a believed value counts as found
            seen = np.vstack([x, xp])
        return self._maximise(gp, best, x[np.argsort(y)[:5]], seen)

    def _maximise(self, gp: GaussianProcess, best: float, tops: np.ndarray, seen: np.ndarray) -> np.ndarray:
        d = len(self.space)
        sobol = qmc.Sobol(d, scramble=True, seed=self.rng.integers(2**32))
        local = tops[:, None, :] + self.local_scale * self.rng.standard_normal((len(tops), self.n_local, d))
        cands = self.space.snap(np.vstack([sobol.random_base2(int(math.log2(self.n_candidates))),
                                      np.clip(local.reshape(-1, d), 0.0, 1.0)]))
        scores = log_ei(*gp.predict(cands), best)
        order = np.argsort(-scores, kind="stable")
        free = self.space.continuous
        starts = list(order[: self.n_polish])
        if not free.all():  # also the best candidate of each of a few more discrete settings
            starts += self._other_settings(cands, order, starts, ~free)
        starts += self._roulette(scores, starts)
        if free.all() and self.n_sobol_starts:  # the best Sobol candidates too (the perturbations outscore them)
            taken = set(starts)
            starts += [i for i in order if i < self.n_candidates and i not in taken][: self.n_sobol_starts]
        if free.any():
            polished = [self._polish(gp, best, cands[i], free) for i in starts]
        else:
            polished = [(scores[i], cands[i]) for i in starts]
        if not free.all():  # integers and choices: a discrete local search from each polished start
            polished = [self._local_search(gp, best, score, point, free) for score, point in polished]
        pool = polished + [(scores[i], cands[i]) for i in order]
        for _, point in sorted(pool, key=lambda t: -t[0]):
            if not np.any(np.all(np.abs(seen - point) < 1e-12, axis=1)):
                return point
        return self.rng.random(d)  # every candidate was already tried

    def _choice_combinations(self) -> np.ndarray | None:
        """All combinations of the categoricals' choice indices ``(k, n_categorical)``,
        or None when there are none or more than ``joint_max``."""
        n = self.space.n_choices[self.space.n_choices > 0]
        if not len(n) or np.prod(n.astype(float)) > self.joint_max:
            return None
        return np.stack(np.meshgrid(*[np.arange(c) for c in n], indexing="ij"), axis=-1).reshape(-1, len(n))

    def _other_settings(self, cands: np.ndarray, order: np.ndarray, starts: list, discrete: np.ndarray) -> list:
        """Up to ``n_discrete_starts`` more candidates, best first, each with
        integers and choices unlike those of every start so far. Optuna's
        GPSampler gets such diversity by drawing its 10 starts by roulette
        wheel; here the starts stay deterministic given the candidates."""
        keys = {tuple(cands[i, discrete]) for i in starts}
        extra = []
        for i in order:
            if len(extra) == self.n_discrete_starts:
                break
            key = tuple(cands[i, discrete])
            if key not in keys:
                keys.add(key)
                extra.append(i)
        return extra

    def _roulette(self, scores: np.ndarray, starts: list) -> list:
        """Up to ``n_roulette`` more candidates drawn without replacement with
        probability proportional to EI (Optuna's GPSampler, ``optim_mixed.py``,
        ``optimize_acqf_mixed``: its starts are the best candidate and a
        roulette wheel over the rest), so a start can land in a region whose
        EI is small but not negligible, away from the best trials."""
        if not self.n_roulette:
            return []
        probs = np.exp(scores - scores.max())
        probs[starts] = 0.0
        k = min(self.n_roulette, int(np.count_nonzero(probs > 0)))
        if k == 0:
            return []
        return list(self.rng.choice(len(scores), size=k, replace=False, p=probs / probs.sum()))

    def _polish(self, gp: GaussianProcess, best: float, start: np.ndarray,
                free: np.ndarray) -> tuple[float, np.ndarray]:
        """L-BFGS-B on the Float coordinates, the others held at their snapped values."""
        point = start.copy()

        def negative(z: np.ndarray) -> tuple[float, np.ndarray]:
            point[free] = z
            value, grad = log_ei_grad(*gp.predict_grad(point), best)
            return -value, -grad[free]

        res = minimize(negative, start[free], jac=True, method="L-BFGS-B", bounds=[(0.0, 1.0)] * int(free.sum()),
                       options={"maxiter": 50})
        point[free] = np.clip(res.x, 0.0, 1.0)
        point = self.space.snap(point[None, :])[0]
        return float(log_ei(*gp.predict(point[None, :]), best)[0]), point

    def _local_search(self, gp: GaussianProcess, best: float, score: float, point: np.ndarray,
                      free: np.ndarray) -> tuple[float, np.ndarray]:
        """Alternate discrete moves and continuous polish until neither improves log EI.

        Each round tries every combination of the choices (when there are at
        most ``joint_max``), then, for every Int and Categorical parameter in turn, all
        of its moves (``Space.values_near``: every other choice; ``int_grid``
        values over the range, one integer and ``discrete_steps`` of the unit
        range down and up) with the other
        coordinates held, and takes the best if it beats the current point;
        after a round that moved, the Floats are polished again. This follows
        Optuna's GPSampler (``optuna/_gp/optim_mixed.py``,
        ``local_search_mixed``: exhaustive search over choices, a search over
        integer values, then gradient steps, until no coordinate changes).
        """
        names = self.space.names
        combos = self._choice_combinations()
        for _ in range(self.local_rounds):
            moved = False
            if combos is not None:  # every combination of the choices at once (pairs may interact)
                trials = np.repeat(point[None, :], len(combos), axis=0)
                cat = self.space.n_choices > 0
                trials[:, cat] = combos
                trials = self.space.choice_centres(trials)
                scores = log_ei(*gp.predict(trials), best)
                i = int(np.argmax(scores))
                if scores[i] > score:
                    score, point, moved = float(scores[i]), trials[i], True
            for j in np.flatnonzero(~free):
                config = self.space.decode(point[None, :])[0]
                current = config[names[j]]
                grid = self.space.params[names[j]].grid(self.int_grid) if self.int_grid else []
                values = []  # a grid over the whole range (every choice of a categorical), then the moves
                for step in self.discrete_steps:
                    grid += self.space.values_near(names[j], current, step)
                for v in grid:
                    if not any(v == u and type(v) is type(u) for u in [current, *values]):
                        values.append(v)
                if not values:
                    continue
                trials = np.repeat(point[None, :], len(values), axis=0)
                trials[:, j] = self.space.encode([{**config, names[j]: v} for v in values])[:, j]
                scores = log_ei(*gp.predict(trials), best)
                i = int(np.argmax(scores))
                if scores[i] > score:
                    score, point, moved = float(scores[i]), trials[i], True
            if not moved:
                break
            if free.any():
                polished = self._polish(gp, best, point, free)
                if polished[0] > score:
                    score, point = polished
        return score, point

