"""The model layer: the Hub pathway as SimPy processes, and per-client records."""
