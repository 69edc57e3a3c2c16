"""hpobench: fair, fast, reproducible comparisons of hyperparameter optimisers."""

from hpobench.budget import Budget
from hpobench.errors import UserError
from hpobench.fidelity import Fidelity
from hpobench.methods.base import Method
from hpobench.runner import RunOutcome, run
from hpobench.space import Categorical, Float, Int, Space
from hpobench.storage import list_runs, load_results
from hpobench.tasks.base import Task
from hpobench.trial import Result, Trial

__all__ = ["Budget", "Categorical", "Fidelity", "Float", "Int", "Method", "Result", "RunOutcome", "Space",
           "Task", "Trial", "UserError", "list_runs", "load_results", "run"]
