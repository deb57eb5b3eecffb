"""Connectors: one folder per billing source (aws, gcp, azure, focus), the same few files in each."""

from __future__ import annotations
