"""Shared numerics for model-based methods: Parzen estimators (TPE, BOHB) and Gaussian processes."""
