from django.contrib import admin
from django.urls import include, path

from mandate.actions import views as action_views
from mandate.api.api import api
from mandate.ballots import views as ballot_views
from mandate.members import views_self
from mandate.votes import views as vote_views
from mandate.votes import views_public as vote_public

urlpatterns = [
    path("", include("mandate.core.urls")),
    path("branches/<slug:branch>/members/", include("mandate.members.urls")),
    path("me/", views_self.my_details, name="my_details"),
    path("", include("mandate.core.privacy.urls")),
    path("", include("mandate.messaging.urls")),
    path("ballots/", include("mandate.ballots.urls")),
    path("gtvo/", include("mandate.turnout.urls")),
    # Public, no login: a member's personal GTVO link (the signed token is the credential).
    path("v/", include("mandate.turnout.urls_public")),
    path("calls/", include("mandate.calls.urls")),
    path("actions/", include("mandate.actions.urls")),
    # Public, no login: a calendar feed (the unguessable token is the credential).
    path("calendar/<str:token>.ics", action_views.calendar_feed, name="calendar_feed"),
    path("my-action/", action_views.my_action, name="my_action"),
    path("my-action/new-link/", action_views.my_action_new_link, name="my_action_new_link"),
    path("meetings/", include("mandate.meetings.urls")),
    path("pickets/", include("mandate.pickets.urls")),
    path("my-pickets/", include("mandate.pickets.urls_member")),
    # Public, no login: picket links and check-in codes (the signed token is the credential).
    path("p/", include("mandate.pickets.urls_public")),
    # Public, no login: a voter's personal e-ballot link, and published results.
    path("ballot/<str:token>/", vote_public.ballot_link, name="ballot_link"),
    path("votes/published/<int:pk>/", vote_public.published, name="ballot_published"),
    path("votes/", include("mandate.votes.urls")),
    path("my-votes/", vote_views.my_votes, name="my_votes"),
    path("rulebook/", ballot_views.rulebook, name="rulebook"),
    path("rulebook/<str:jurisdiction>/", ballot_views.rulebook, name="rulebook_jurisdiction"),
    path("rulebook/<str:jurisdiction>/override/", ballot_views.rule_override, name="rule_override"),
    path("disputes/", include("mandate.disputes.urls")),
    path("funds/", include("mandate.funds.urls")),
    path("pay/", include("mandate.pay.urls")),
    path("photos/", include("mandate.photos.urls")),
    path("api/", api.urls),
    path("account/api-tokens/", include("mandate.api.urls")),
    path("admin/", admin.site.urls),
]
