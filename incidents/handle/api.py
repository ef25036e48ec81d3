"""Handling API under /api/incidents/: lists and details for handlers, the workflow, comments, 回访, rectification."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from common.permissions import HasCapability
from common.roles import Capability
from incidents import followup, selectors
from incidents.filters import InboxFilterSet
from incidents.handle import services as handle
from incidents.handle.serializers import (
    CommentInputSerializer,
    FollowUpInputSerializer,
    FollowUpSerializer,
    IncidentDetailSerializer,
    IncidentEventSerializer,
    IncidentListSerializer,
    RectificationClearInputSerializer,
    RectificationSerializer,
    TransitionInputSerializer,
)
from incidents.models import Incident, Rectification


def incident_for(user, pk: int) -> Incident:
    incident = selectors.incidents_with_flags(selectors.incidents_visible(user)).filter(pk=pk).first()
    if incident is None:
        raise Http404
    return incident


class HandleListApi(generics.ListAPIView):
    """The handling inbox: the bureau sees all; a station officer their station's and liaison schools' reports."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_INCIDENTS
    serializer_class = IncidentListSerializer

    @extend_schema(parameters=InboxFilterSet.openapi_parameters())
    def get(self, request, *args, **kwargs):
        if not selectors.may_see_inbox(request.user):
            raise PermissionDenied
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        now = timezone.now()
        qs = InboxFilterSet(self.request.query_params, selectors.incidents_inbox(self.request.user), now=now).qs
        return selectors.incidents_open_first(selectors.incidents_with_flags(qs, now=now))


class HandleDetailApi(APIView):
    """One report with its timeline and follow-up (school staff: their own school's only)."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_INCIDENTS

    @extend_schema(responses=IncidentDetailSerializer)
    def get(self, request, pk: int):
        return Response(IncidentDetailSerializer(incident_for(request.user, pk)).data)


class HandleTransitionApi(APIView):
    """Move the report one step: reported, acknowledged, on_scene, resolved, closed (closing after the 回访)."""

    permission_classes = [HasCapability]
    required_capability = Capability.HANDLE_INCIDENTS

    @extend_schema(request=TransitionInputSerializer, responses=IncidentDetailSerializer)
    def post(self, request, pk: int):
        body = TransitionInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        incident = incident_for(request.user, pk)
        handle.incident_transition(incident=incident, actor=request.user, **body.validated_data)
        return Response(IncidentDetailSerializer(incident_for(request.user, pk)).data)


class HandleCommentApi(APIView):
    """Add a comment to the timeline (the report's handlers, or its school's staff)."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_INCIDENTS

    @extend_schema(request=CommentInputSerializer, responses={201: IncidentEventSerializer})
    def post(self, request, pk: int):
        body = CommentInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        event = handle.incident_comment(incident=incident_for(request.user, pk), actor=request.user,
                                        text=body.validated_data["text"])  # fmt: skip
        return Response(IncidentEventSerializer(event).data, status=status.HTTP_201_CREATED)


class HandleFollowUpApi(APIView):
    """Record the follow-up (回访) of a resolved report: its reporter, or a bureau caller."""

    permission_classes = [HasCapability]
    required_capability = Capability.FOLLOW_UP_INCIDENTS

    @extend_schema(request=FollowUpInputSerializer, responses=FollowUpSerializer)
    def post(self, request, pk: int):
        body = FollowUpInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        follow_up = followup.follow_up_record(incident=incident_for(request.user, pk), actor=request.user,
                                              **body.validated_data)  # fmt: skip
        return Response(FollowUpSerializer(follow_up).data)


class HandleFollowUpListApi(generics.ListAPIView):
    """Pending follow-ups the caller may record, earliest due (overdue) first."""

    permission_classes = [HasCapability]
    required_capability = Capability.FOLLOW_UP_INCIDENTS
    serializer_class = FollowUpSerializer

    def get_queryset(self):
        return selectors.follow_ups_pending(self.request.user)


class HandleRectificationListApi(generics.ListAPIView):
    """Rectification items; ``?status=open`` (default) or ``all``; ``?station=<id>``."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_INCIDENTS
    serializer_class = RectificationSerializer

    def get(self, request, *args, **kwargs):
        if not selectors.may_see_rectifications(request.user):
            raise PermissionDenied
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        qs = selectors.rectifications_visible(self.request.user).order_by("due_date", "id")
        params = self.request.query_params
        if params.get("status", "open") != "all":
            qs = qs.filter(status=Rectification.Status.OPEN)
        if params.get("station", "").isdigit():
            qs = qs.filter(station_id=int(params["station"]))
        return qs


class HandleRectificationClearApi(APIView):
    """Clear an open rectification item with the action taken."""

    permission_classes = [HasCapability]
    required_capability = Capability.HANDLE_INCIDENTS

    @extend_schema(request=RectificationClearInputSerializer, responses=RectificationSerializer)
    def post(self, request, pk: int):
        body = RectificationClearInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = selectors.rectifications_visible(request.user).filter(pk=pk).first()
        if item is None:
            raise Http404
        cleared = followup.rectification_clear(rectification=item, actor=request.user, **body.validated_data)
        return Response(RectificationSerializer(cleared).data)
