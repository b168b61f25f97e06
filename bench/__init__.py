"""Reaction Lab's benchmark: `python -m bench` (or `make bench`).

It times the real analysis code path against a decoding floor and against
a naive use of fer, on inputs built from the sample video, and writes the
table to BENCHMARKS.md.
"""
