"""Household-year features and the exit label."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
