"""Typed facades over one Windows subsystem each."""
