"""Shared fixtures. Qt runs offscreen; tests that need a server start the sandbox themselves."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")
