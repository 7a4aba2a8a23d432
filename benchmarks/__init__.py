"""Benchmarks of the local lifecycle against a plain pandas + scikit-learn baseline (see README.md)."""
