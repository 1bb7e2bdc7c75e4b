"""synq-desktop: an offline-first desktop editor for the Synq PIM."""
__version__ = "0.1.0"
