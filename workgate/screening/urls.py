"""Pages of screening, under /screening/."""

from django.urls import path

from workgate.screening.views import calls, campaigns, returns, risk

app_name = "screening"

urlpatterns = [
    path("regions/", risk.regions, name="regions"),
    path("regions/set/", risk.region_set, name="region_set"),
    path("regions/<str:code>/", risk.region_history, name="region_history"),
    path("policy/", risk.policy_edit, name="policy_edit"),
    path("reassess/", risk.reassess, name="reassess"),
    path("risk-lists/", risk.risk_lists, name="risk_lists"),
    path("risk-lists/<uuid:pk>/", risk.risk_list, name="risk_list"),
    path("risk-lists/<uuid:pk>/apply/", risk.risk_list_apply, name="risk_list_apply"),
    path("risk-lists/<uuid:pk>/discard/", risk.risk_list_discard, name="risk_list_discard"),
    path("people/", risk.people, name="people"),
    path("people/<int:pk>/", risk.person, name="person"),
    path("campaigns/", campaigns.campaign_list, name="campaign_list"),
    path("campaigns/new/", campaigns.campaign_new, name="campaign_new"),
    path("campaigns/preview/", campaigns.campaign_preview, name="campaign_preview"),
    path("campaigns/<int:pk>/", campaigns.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/launch/", campaigns.campaign_launch, name="campaign_launch"),
    path("campaigns/<int:pk>/close/", campaigns.campaign_close, name="campaign_close"),
    path("campaigns/<int:pk>/callers/", campaigns.callers_add, name="callers_add"),
    path(
        "campaigns/<int:pk>/callers/<int:caller_pk>/",
        campaigns.caller_update,
        name="caller_update",
    ),
    path(
        "campaigns/<int:pk>/callers/<int:caller_pk>/reassign/",
        campaigns.caller_reassign,
        name="caller_reassign",
    ),
    path(
        "campaigns/<int:pk>/people/<str:set_name>/",
        campaigns.campaign_people,
        name="campaign_people",
    ),
    path("calls/", calls.my_calls, name="my_calls"),
    path("calls/<int:campaign_pk>/", calls.queue, name="queue"),
    path("calls/<int:campaign_pk>/next/", calls.next_person, name="next_person"),
    path("calls/task/<int:pk>/", calls.task, name="task"),
    path("calls/task/<int:pk>/outcome/", calls.outcome, name="outcome"),
    path("calls/task/<int:pk>/release/", calls.release, name="release"),
    path("returns/", returns.return_plans, name="return_plans"),
]
