"""Exceptions that carry a message meant for the user.

The CLI prints a `CloudcarbonError` as one line and exits 1; anything else is a bug and shows a
traceback only under `--debug`.
"""


class CloudcarbonError(Exception):
    """A problem the user can fix: the message names the thing and what to do."""


class InputError(CloudcarbonError):
    """A billing file or argument that cannot be read as asked."""


class StoreBusyError(CloudcarbonError):
    """Another process holds the store's write lock."""
