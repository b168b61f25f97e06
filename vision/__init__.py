"""Media probing, conversion and emotion analysis for Reaction Lab.

This package knows nothing of Django, HTTP or the database: it takes file
paths and returns plain data, raising the errors in `vision.errors`.
"""
