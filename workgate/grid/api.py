"""API of grid."""

from ninja import Router

router = Router(tags=["grid"])
