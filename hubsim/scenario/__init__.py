"""The scenario layer: what to simulate (schemas, loader, evidence registry)."""
