"""Placeholder: filled in by its owner."""

from ninja import Router

router = Router(tags=["resumption"])
