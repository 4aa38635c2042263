"""Tools for the people who own a plan: lint, render, diff (over the reference evaluator)."""
