"""synq_desktop.sync layer (see ../shared/DESIGN.md)."""
