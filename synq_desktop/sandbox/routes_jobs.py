"""(being written)"""
from __future__ import annotations

from fastapi import APIRouter


def build_router(ext: bool) -> APIRouter:
    return APIRouter()
