"""Shared foundations of bsf: errors, configuration files and progress reporting.

Everything else imports from here; this package imports nothing of bsf.
"""

__version__ = "0.1.0"
