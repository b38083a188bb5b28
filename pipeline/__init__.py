"""Deployment pipeline helpers (the bootstrap template and the workflows live beside them)."""
