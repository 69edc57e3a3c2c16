"""Adapters of the established optimisation libraries, one file per library.

Each adapter drives its library through the library's public ask/tell API
with the library's own defaults, so the runner gives it what it gives our
methods: seeds, resume by replay, simulated workers, records, ``verify``.
The libraries are optional extras; ``_library.load`` names the extra when
one is missing.
"""
