"""Benchmarks that need a dedicated PostgreSQL database (see bench/agencies.py)."""
