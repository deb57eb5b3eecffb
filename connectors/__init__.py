"""Connectors: one folder per billing source (aws, gcp, azure, focus), the same few files in each."""

from __future__ import annotations

import logging


def quiet_library_logs(*names: str) -> None:
    """Give these libraries' loggers a NullHandler. With no logging configured, Python prints their
    warnings on stderr (retries exhausted, with tracebacks; incomplete downloads) beside the CLI's one-line
    error; an application that configures logging still receives them."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
            logger.addHandler(logging.NullHandler())
