"""Shared numerics for model-based methods: Parzen estimators, kernel density estimators, Gaussian processes."""
