"""Errors a data team can fix, said in one line: the file, row or setting and the problem.

A node raising a ``ProjectError`` stops the run. Its message is the first error line of the
log (``NodeFailureInOneLine`` rewrites Kedro's "Node … failed" record) and the last line the
``kedro run`` of ``ecpa_pipeline.cli`` prints, without a traceback: a traceback would bury
the message and may show data (codes of the rows at fault)."""

from __future__ import annotations

import logging
import sys


class ProjectError(ValueError):
    """A problem with the user's files or configuration, its message complete in one line."""


def project_error(exc: BaseException | None) -> ProjectError | None:
    """The ``ProjectError`` behind ``exc`` (itself, or what it was raised from), if any."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, ProjectError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


class NodeFailureInOneLine(logging.Filter):
    """On Kedro's node logger: a node that failed with a ``ProjectError`` is logged as that
    error's one line (Kedro logs the failure while the exception is being handled)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and str(record.msg).startswith("Node %s failed"):
            error = project_error(sys.exc_info()[1])
            if error is not None:
                record.msg, record.args = "%s", (str(error),)
        return True
