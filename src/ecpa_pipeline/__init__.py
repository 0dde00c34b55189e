"""ecpa-pipeline: e-commerce precise poverty alleviation (电商精准扶贫) with Kedro."""

import warnings

__version__ = "0.1.0"

# pyspark 4.3 (installed for `--env=spark`) warns on import that pandas 3 is "not yet fully
# supported", and pandera imports it in every run: the Spark equality test checks what this
# project uses of it.
warnings.filterwarnings(
    "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
)
