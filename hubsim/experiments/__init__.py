"""Experiments: replications, executors, sweeps, comparisons, searches, PSA, calibration."""
