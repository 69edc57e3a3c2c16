"""Shared numerics: kernel density estimators, GP and Parzen maths."""
