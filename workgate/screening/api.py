"""API of screening."""

from ninja import Router

router = Router(tags=["screening"])
