"""synq_desktop.domain layer (see ../shared/DESIGN.md)."""
