"""API of notification channels: the community's group robots, each person's channel choices,
the delivery log."""

from ninja import Router

router = Router(tags=["notification channels"])
