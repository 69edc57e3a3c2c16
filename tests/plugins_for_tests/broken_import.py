"""A task module that fails while importing: it needs a package that is not installed."""

import a_dependency_that_is_not_installed  # noqa: F401  (the failure under test)

from hpobench import Task


class BrokenTask(Task):
    pass
