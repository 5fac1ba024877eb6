"""Documented procedures: observe -> plan -> apply."""
