"""Generated data sets of the project: deterministic, pure Python, shared by the local demo and
the benchmarks (nothing is read from outside the repository)."""
