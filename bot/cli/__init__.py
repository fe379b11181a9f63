"""The `docbot` admin command line."""
