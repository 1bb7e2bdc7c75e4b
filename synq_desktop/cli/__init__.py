"""synq_desktop.cli layer (see ../shared/DESIGN.md)."""
