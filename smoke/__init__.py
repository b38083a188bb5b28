"""Smoke suite for a deployed or local stack (`python -m smoke`, `make smoke`); standard library only."""
