"""`workgate send-notifications`: send the notification deliveries that are due, once.

The worker's periodic task `core.deliveries` does this every minute; use this from cron, or to
flush the queue by hand after fixing the mail server or a robot's address.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from workgate.core.channels import send_due


class Command(BaseCommand):
    help = "Send the email and group-robot notifications that are due; print how many were sent."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_due()
        self.stdout.write(f"Sent {sent} notification(s).")
