"""Execution: the durable-rules adapter (the only durable import) and the reference evaluator."""
