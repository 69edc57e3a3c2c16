"""An example optimiser package for hpobench: one method file, one YAML, one conformance test."""

from my_optimizer.one_plus_one import OnePlusOneES

__all__ = ["OnePlusOneES"]
