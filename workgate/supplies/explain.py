"""Why each line of an allocation is what it is, in words.

At run time `explain` stores the facts of each line (codes and figures, no sentences) in
`AllocationLine.why`; `describe` turns them into sentences in the reader's language when the
page is shown. The facts: the need's urgency (people on duty × how soon stock runs out), why
this offer (the cheapest that reaches the enterprise's area by its date, or which cheaper ones
were used up by more urgent needs or did not reach their minimum order), and how much of the
need the run met.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from workgate.supplies import allocation

if TYPE_CHECKING:
    from workgate.supplies.services import RunInput


def _name(data: RunInput, offer_id: int) -> str:
    if offer_id < 0:
        return ""
    return data.offer_rows[offer_id].supplier.name


def explain(
    data: RunInput,
    result: allocation.Result,
    pins: dict[tuple[int, int], int],
    excluded: set[tuple[int, int]],
) -> dict[tuple[int, int], dict[str, Any]]:
    used: dict[int, int] = defaultdict(int)
    got: dict[int, int] = defaultdict(int)
    takers: dict[int, list[int]] = defaultdict(list)
    for line in result.lines:
        used[line.offer] += line.quantity
        got[line.need] += line.quantity
        takers[line.offer].append(line.need)
    needs = {n.id: n for n in data.needs}
    offers = {o.id: o for o in data.offers}
    by_material: dict[int, list[allocation.Offer]] = defaultdict(list)
    for o in sorted(data.offers, key=lambda o: o.price):
        by_material[o.material].append(o)
    # The most urgent need each offer served, for "used up by needs of urgency up to …".
    top_taker: dict[int, list[float]] = {}
    for o_id, ns in takers.items():
        top_taker[o_id] = sorted((needs[n].urgency for n in ns), reverse=True)[:2]
    whys: dict[tuple[int, int], dict[str, Any]] = {}
    for line in result.lines:
        need, offer = needs[line.need], offers[line.offer]
        facts = data.facts.get(line.need, {})
        cheaper = []
        for o in by_material[need.material]:
            if o.price >= offer.price:
                break
            if allocation.eligible(need, o) and (need.id, o.id) not in excluded:
                cheaper.append(o)
        used_up = [o for o in cheaper if used[o.id] >= o.available]
        under_min = [o for o in cheaper if used[o.id] == 0 and o.min_order > 1]
        rivals = [u for o in used_up for u in top_taker.get(o.id, [])]
        top_rival = max(rivals, default=None)
        whys[(line.need, line.offer)] = {
            "people": facts.get("people", 0),
            "days": None if facts.get("days") is None else round(facts["days"], 1),
            "tier": facts.get("tier", 1),
            "stock": facts.get("stock"),
            "target": facts.get("target"),
            "urgency": need.urgency,
            "reserve": offer.id < 0,
            "lead": offer.lead_days,
            "by": need.by_day,
            "pinned": (line.need, line.offer) in pins,
            "cheapest": not cheaper,
            "used_up": [_name(data, o.id) or "reserve" for o in used_up][:3],
            "under_min": [_name(data, o.id) for o in under_min][:3],
            "rival_urgency": top_rival,
            "met": got[line.need],
            "asked": need.quantity,
        }
    return whys


def _num(value: float) -> str:
    return number_format(value, decimal_pos=0 if value == int(value) else 1, use_l10n=True)


def describe(why: dict[str, Any], supplier: str) -> list[str]:
    """The line's explanation as sentences in the current language."""
    if not why:
        return []
    out = []
    days = why.get("days")
    tier = why.get("tier", 1)
    if days is None and why.get("target"):
        out.append(
            ngettext(
                "Urgency %(u)s: %(people)s person on duty × %(tier)s because it has %(stock)s "
                "of the %(target)s it needs.",
                "Urgency %(u)s: %(people)s people on duty × %(tier)s because it has %(stock)s "
                "of the %(target)s it needs.",
                why.get("people", 0),
            )
            % {
                "u": _num(why["urgency"]),
                "people": why.get("people", 0),
                "tier": tier,
                "stock": max(why.get("stock") or 0, 0),
                "target": why["target"],
            }
        )
    elif days is None:
        out.append(
            ngettext(
                "Urgency %(u)s: %(people)s person on duty; no burn rate known yet.",
                "Urgency %(u)s: %(people)s people on duty; no burn rate known yet.",
                why.get("people", 0),
            )
            % {"u": _num(why["urgency"]), "people": why.get("people", 0)}
        )
    else:
        out.append(
            ngettext(
                "Urgency %(u)s: %(people)s person on duty × %(tier)s because stock lasts "
                "%(days)s days.",
                "Urgency %(u)s: %(people)s people on duty × %(tier)s because stock lasts "
                "%(days)s days.",
                why.get("people", 0),
            )
            % {
                "u": _num(why["urgency"]),
                "people": why.get("people", 0),
                "tier": tier,
                "days": _num(days),
            }
        )
    if why.get("pinned"):
        out.append(_("Staff pinned this line."))
    if why.get("reserve"):
        out.append(_("From the community reserve: free, delivered the same day."))
    else:
        params = {"supplier": supplier, "lead": why.get("lead", 0), "by": why.get("by")}
        dated = why.get("by") is not None
        if why.get("cheapest"):
            if dated:
                out.append(
                    _(
                        "%(supplier)s delivers to this area within %(lead)s days (needed within "
                        "%(by)s days), and no cheaper offer reaches it in time."
                    )
                    % params
                )
            else:
                out.append(
                    _(
                        "%(supplier)s delivers to this area within %(lead)s days, and no cheaper "
                        "offer reaches it."
                    )
                    % params
                )
        else:
            if dated:
                out.append(
                    _(
                        "%(supplier)s delivers to this area within %(lead)s days (needed within "
                        "%(by)s days)."
                    )
                    % params
                )
            else:
                out.append(_("%(supplier)s delivers to this area within %(lead)s days.") % params)
            if why.get("used_up"):
                names = "、".join(n if n != "reserve" else _("the reserve") for n in why["used_up"])
                if why.get("rival_urgency"):
                    out.append(
                        _(
                            "Cheaper offers (%(names)s) were used up, partly by needs of urgency "
                            "up to %(u)s."
                        )
                        % {"names": names, "u": _num(why["rival_urgency"])}
                    )
                else:
                    out.append(_("Cheaper offers (%(names)s) were used up.") % {"names": names})
            if why.get("under_min"):
                out.append(
                    _(
                        "Cheaper offers (%(names)s) were not used: their minimum order was not "
                        "reached."
                    )
                    % {"names": "、".join(why["under_min"])}
                )
    asked, met = why.get("asked", 0), why.get("met", 0)
    if met >= asked:
        out.append(_("The need is met in full."))
    else:
        out.append(
            _("%(met)s of %(asked)s met; the rest could not be met from what reaches it in time.")
            % {"met": _num(met), "asked": _num(asked)}
        )
    return out
