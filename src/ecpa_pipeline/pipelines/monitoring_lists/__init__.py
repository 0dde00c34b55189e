"""``monitoring_lists``: early-warning and risk-elimination lists for officials (2021 onwards)."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
