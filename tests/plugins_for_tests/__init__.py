"""Stand-ins for a user's own method and task modules, for the tests of error messages."""
