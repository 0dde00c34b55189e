"""The project's ``kedro run``: Kedro's own command, with a project error (a bad file, a
missing key, a model trained on other pseudonyms) ending the run with its one-line message
and exit code 1 instead of a traceback. Other errors keep their traceback: they are bugs."""

from __future__ import annotations

import functools

import click
from kedro.framework.cli.project import run as kedro_run

from ecpa_pipeline.errors import project_error


@click.group(name="ecpa_pipeline")
def cli() -> None:
    """Commands of the ecpa-pipeline project."""


def _one_line(callback):
    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except Exception as exc:
            error = project_error(exc)
            if error is None:
                raise
            click.secho(f"Error: {error}", fg="red", err=True)
            raise SystemExit(1) from None

    return run


cli.add_command(
    click.Command(
        name="run",
        params=kedro_run.params,
        callback=_one_line(kedro_run.callback),
        help=kedro_run.help,
        short_help=kedro_run.short_help,
    )
)
