"""Workflow declarations, one module per record kind: states and actions as data."""
