"""The demo: the sample handbook `docbot demo` ingests, shipped as package data."""
