"""synq_desktop.store layer (see ../shared/DESIGN.md)."""
