"""Reads of volunteers: a call-out's live progress."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count

from workgate.volunteers.models import Answer, CallOut


@dataclass
class Progress:
    asked: int = 0
    accepted: int = 0
    waiting: int = 0
    declined: int = 0
    # Minutes from the call-out to each acceptance, in order (the seed: 84 in 30 minutes).
    accept_minutes: list[float] = field(default_factory=list)

    @property
    def unanswered(self) -> int:
        return self.asked - self.accepted - self.waiting - self.declined


def progress(callout: CallOut) -> Progress:
    """Counts by answer and the time to each acceptance, in two queries."""
    p = Progress()
    for reply, n in (
        Answer.objects.filter(callout=callout).values_list("reply").annotate(n=Count("pk"))
    ):
        p.asked += n
        if reply == Answer.Reply.ACCEPTED:
            p.accepted = n
        elif reply == Answer.Reply.WAITING:
            p.waiting = n
        elif reply == Answer.Reply.DECLINED:
            p.declined = n
    times = (
        Answer.objects.filter(
            callout=callout, reply=Answer.Reply.ACCEPTED, answered_at__isnull=False
        )
        .order_by("answered_at")
        .values_list("answered_at", flat=True)
    )
    p.accept_minutes = [round((t - callout.posted_at).total_seconds() / 60, 1) for t in times]
    return p
