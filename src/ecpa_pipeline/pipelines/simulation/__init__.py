"""Simulated county world writing the raw exports of the data contract."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
