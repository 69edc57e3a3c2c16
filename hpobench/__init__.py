"""hpobench: fair, fast, reproducible comparisons of hyperparameter optimisers."""

from hpobench.budget import Budget
from hpobench.errors import UserError
from hpobench.methods.base import Method
from hpobench.runner import RunOutcome, run
from hpobench.space import Categorical, Float, Int, Space
from hpobench.storage import list_runs, load_results
from hpobench.tasks.base import Fidelity, Task
from hpobench.trial import Result, Trial

__all__ = ["Budget", "Categorical", "Fidelity", "Float", "Int", "Method", "Result", "RunOutcome", "Space",
           "Task", "Trial", "UserError", "list_runs", "load_results", "run"]
