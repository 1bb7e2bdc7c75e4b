"""The garbage collector's share of GUI stalls (DESIGN.md: no call blocks the GUI thread over 50 ms).

A full (generation 2) collection walks every object the collector tracks. After start-up that is mostly
what lives as long as the window (modules, SQLAlchemy's metadata, the Qt wrappers, the models), and
whichever call happens to allocate the object that tips the counters pays for the walk: a sort, a
keystroke. `gc.freeze()` moves those objects to the permanent generation, which no collection walks, so
later full collections cost only what was made after start-up.
"""
from __future__ import annotations

import gc


def freeze_start_up_objects() -> None:
    """Call once the window shows its catalog. The young generations are collected first (cheap: only
    objects made since the last collection) so start-up's short-lived cycles are not kept forever."""
    gc.collect(1)
    gc.freeze()
