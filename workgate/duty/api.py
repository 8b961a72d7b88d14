"""API of duty."""

from ninja import Router

router = Router(tags=["duty"])
