"""Media probing, conversion and emotion analysis for Reaction Lab.

The package imports nothing from Django and does no HTTP or database work.
It takes file paths, returns plain data and raises the errors in
`vision.errors`.
"""
