"""``spark``: the counties' cleaning and features on Spark executors and the exit scores
through ``mlflow.pyfunc.spark_udf`` (``kedro run --env=spark --pipelines=spark``)."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
