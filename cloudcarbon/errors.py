"""Exceptions that carry a message meant for the user.

The CLI prints a `CloudcarbonError` as one line and exits 1 (a `UsageError` exits 2); anything else is a bug
and shows a traceback only under `--debug`.
"""

import click

# Longest part of a user's value an error message quotes back (a 100 KB parameter is not echoed whole).
SHOWN_CHARACTERS = 80


class CloudcarbonError(Exception):
    """A problem the user can fix: the message names the thing and what to do."""


class InputError(CloudcarbonError):
    """A billing file or argument that cannot be read as asked."""


class UsageError(InputError, click.UsageError):
    """An option or parameter given a value it cannot take. Also a click usage error, so the CLI prints it as
    one line and exits 2; the service answers 400 like any InputError."""

    show = click.ClickException.show  # the one line, without click's usage text


class StoreBusyError(CloudcarbonError):
    """Another process holds the store's write lock."""


class StoreDamagedError(CloudcarbonError):
    """The store file does not read back as DuckDB wrote it (truncated, overwritten, failed checksums)."""


def shown(value: str) -> str:
    """`value` quoted for an error message: whole up to SHOWN_CHARACTERS, else its start and its length."""
    if len(value) <= SHOWN_CHARACTERS:
        return repr(value)
    return f"{value[:SHOWN_CHARACTERS]!r}… ({len(value):,} characters)"
