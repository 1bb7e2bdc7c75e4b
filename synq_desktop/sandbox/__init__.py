"""synq_desktop.sandbox layer (see ../shared/DESIGN.md)."""
