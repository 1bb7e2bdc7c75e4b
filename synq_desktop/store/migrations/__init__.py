"""Alembic migrations of the working copy, run at open by `synq_desktop.store.migrate`."""
