"""The demo's screening data: volunteers, Hubei high, a campaign part-way in the seed's shape."""

from __future__ import annotations

import datetime as dt

import pytest

from workgate.core.demo import build_demo
from workgate.core.models import Membership, Role, User
from workgate.screening import queries
from workgate.screening.models import Campaign, RegionRisk, ReturnPlan

pytestmark = pytest.mark.django_db


def test_demo_campaign_is_part_way_in_the_seeds_proportions():
    community = build_demo(scale=0.05, seed=7, log=lambda _m: None, today=dt.date(2020, 1, 23))
    assert User.objects.filter(username__startswith="volunteer-").count() == 84
    assert Membership.objects.filter(user__username="volunteer-84", role=Role.VOLUNTEER).exists()
    assert RegionRisk.objects.get(community=community, region_id="420000").level == "high"
    campaign = Campaign.objects.get(community=community)
    figures = queries.campaign_progress(campaign)
    assert campaign.status == "running" and campaign.callers.count() == 87
    assert 0.3 < figures["done"] / figures["total"] < 0.95  # part-way
    assert figures["traced"] > 0 and figures["high_risk"] > 0
    # About 3 % of those traced are in Hubei; about 93 % of those agree to delay.
    assert 0.01 < figures["high_risk"] / figures["traced"] < 0.07
    assert figures["delayed"] <= figures["high_risk"]
    assert ReturnPlan.objects.filter(community=community).exists()
    volunteer = User.objects.get(username="volunteer-01")
    assert volunteer.check_password(User.objects.get(username="staff").password) is False
    assert volunteer.password == User.objects.get(username="staff").password
