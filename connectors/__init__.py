"""Talking to the outside world (Google Sheets, Drive, form services).

Nothing in this package imports :mod:`integration`; the dependency points the
other way only.
"""
