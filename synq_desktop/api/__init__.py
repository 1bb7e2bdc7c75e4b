"""synq_desktop.api layer (see ../shared/DESIGN.md)."""
