"""The case, the submission and the decision: what goes into the engine and what comes out."""
