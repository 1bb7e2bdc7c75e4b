"""synq_desktop.ui layer (see ../shared/DESIGN.md)."""
