"""The one exception type for mistakes a user can fix."""


class UserError(ValueError):
    """A mistake in the user's input: bad bounds, an unknown key, a budget that
    cannot be spent, a method that does not fit the task.

    Its message is one sentence that names the fix. The CLI prints it without
    a traceback and leaves nothing half-written on disk.
    """


class NotApplicable(UserError):
    """A method that needs what the task lacks (a fidelity, checkpoints): in a sweep over methods x tasks,
    such a pair is skipped with its sentence rather than stopping the sweep."""
