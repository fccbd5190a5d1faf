"""Tiny stand-in for py4j so `from py4j.protocol import Py4JJavaError` keeps working: sparkpp's
driver errors are raised as sparkpp.errors.Py4JJavaError (and subclasses)."""
