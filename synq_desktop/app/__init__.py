"""synq_desktop.app layer (see ../shared/DESIGN.md)."""
