"""A tiny optimiser for the worker protocol's tests: standard library only, so its environment needs no download.

Random search at the lowest fidelity, and each finished trial's configuration
asked once more at the highest fidelity with that trial as its parent (a
promotion). ``settings["fail_in"]`` makes it raise in ``__init__``, ``ask``
or ``tell``, as a buggy optimiser would; ``settings["stop_after"]`` makes it
run out of trials; ``settings["not_applicable"]`` makes it refuse the run as one that lacks what it needs.
"""

import random


class NotApplicable(Exception):
    """Named so that the worker reports it as hpobench's NotApplicable."""


class FakeOptimiser:
    library = None

    def __init__(self, space, fidelity, seed, settings):
        self.space, self.fidelity, self.settings = space, fidelity, settings
        self.fail("init")
        if settings.get("not_applicable"):
            raise NotApplicable("the fake optimiser needs what this run lacks; give it something else.")
        self.random = random.Random(seed)
        self.pending = {}  # trial id -> config, asked at the lowest fidelity
        self.finished = []  # (trial id, config) finished at the lowest fidelity, not yet promoted
        self.asked = 0

    def fail(self, where):
        if self.settings.get("fail_in") == where:
            raise ZeroDivisionError(f"the fake optimiser fails in {where}, as asked")

    def ask(self, trial_id):
        self.fail("ask")
        if self.asked >= self.settings.get("stop_after", 10**9):
            return None
        self.asked += 1
        if self.finished and self.fidelity is not None:
            parent, config = self.finished.pop(0)
            return {"config": config, "fidelity": self.fidelity["max"], "parent": parent}
        config = {p["name"]: self.draw(p) for p in self.space}
        low = None if self.fidelity is None else self.fidelity["min"]
        self.pending[trial_id] = config
        return {"config": config, "fidelity": low, "parent": None}

    def tell(self, trial_id, loss, cost):
        self.fail("tell")
        config = self.pending.pop(trial_id, None)
        if config is not None and loss == loss:  # not nan: failed trials are not promoted
            self.finished.append((trial_id, config))

    def draw(self, p):
        if p["kind"] == "categorical":
            return self.random.choice(p["choices"])
        if p["kind"] == "int":
            return self.random.randint(p["low"], p["high"])
        return self.random.uniform(p["low"], p["high"])
