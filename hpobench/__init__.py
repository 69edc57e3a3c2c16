"""hpobench: fair, fast, reproducible comparisons of hyperparameter optimisers."""

from hpobench.budget import Budget
from hpobench.errors import UserError
from hpobench.fidelity import Fidelity
from hpobench.methods.base import Method
from hpobench.run_info import RunInfo
from hpobench.runner import Recording, RunOutcome, run
from hpobench.space import Categorical, Float, Int, Space
from hpobench.storage import list_runs, load_results
from hpobench.tasks.base import Task
from hpobench.trial import Record, Result, Trial

__all__ = ["Budget", "Categorical", "Fidelity", "Float", "Int", "Method", "Record", "Recording", "Result", "RunInfo",
           "RunOutcome", "Space", "Task", "Trial", "UserError", "list_runs", "load_results", "run"]
