"""ecpa-pipeline: e-commerce precise poverty alleviation (电商精准扶贫) with Kedro."""

__version__ = "0.1.0"
