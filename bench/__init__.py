"""The benchmark harness behind ``make bench``: bulk loader, load generator, report.

See ``docs/performance.md`` for what it measures and the latest figures.
"""
