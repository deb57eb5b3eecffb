"""The monthly FinOps report: report/build.py gathers one month's figures into a document, report/write.py
writes it as HTML, CSV, JSON and Markdown files (report/render.py, report/charts.py draw the page)."""

from cloudcarbon.output import records
from cloudcarbon.report.build import Report, build_report
from cloudcarbon.report.write import REPORT_FILES, write_report

__all__ = ["REPORT_FILES", "Report", "build_report", "records", "write_report"]
