"""Await a dialog's answer from a coroutine without a nested event loop.

`QDialog.exec()` inside a coroutine breaks qasync's task switching (QT-NOTES.md), so dialogs are shown
with `open()` (window-modal, returns at once) and the coroutine awaits a future set by `finished`.
"""
from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QDialog


async def ask(dialog: QDialog) -> int:
    """Open `dialog` and wait until it is finished; its result code (QDialog.DialogCode as int)."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[int] = loop.create_future()

    def finished(code: int) -> None:
        if not answer.done():
            answer.set_result(int(code))

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await answer
    finally:
        dialog.finished.disconnect(finished)
