"""API of the 护学岗 set-up under /api/patrol/: read with VIEW_DUTY, write with MANAGE_DUTY.

Writes call the services in ``patrol.schedule.services``; their errors come back as
``{"code", "detail", "errors"}`` (see ``common.api.exception_handler``).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from campus.calendar.days import term_calendar
from campus.models import CalendarOverride, School, Term
from common.permissions import HasCapability
from common.roles import Capability
from patrol.models import WindowRule
from patrol.schedule import selectors, services
from patrol.schedule.serializers import (
    BellScheduleSerializer,
    BuildInputSerializer,
    CalendarSerializer,
    ClosureSerializer,
    LeaveSerializer,
    OverrideSerializer,
    PostSerializer,
    ShiftBuildSerializer,
    StaffSerializer,
    TermInputSerializer,
    TermSerializer,
    TermUpdateSerializer,
    WindowRuleSerializer,
)
from patrol.schedule.shifts import duty_shifts_build


class DutyApiMixin:
    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_DUTY
    write_capability = Capability.MANAGE_DUTY


class TermViewSet(DutyApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Terms. POST creates, PATCH changes; ``calendar`` lists the days; ``build-shifts`` builds the shifts."""

    serializer_class = TermSerializer
    queryset = Term.objects.order_by("-start_date")

    @extend_schema(request=TermInputSerializer, responses={201: TermSerializer})
    def create(self, request):
        body = TermInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        term = services.term_create(actor=request.user, **body.validated_data)
        return Response(TermSerializer(term).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TermUpdateSerializer, responses=TermSerializer)
    def partial_update(self, request, pk=None):
        body = TermUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        term = services.term_update(term=self.get_object(), actor=request.user, **body.validated_data)
        return Response(TermSerializer(term).data)

    @extend_schema(parameters=[OpenApiParameter("school", int)], responses=CalendarSerializer)
    @action(detail=True, methods=["get"])
    def calendar(self, request, pk=None):
        """Every day of the term with its status and source, for the county or ``?school=<id>``."""
        term = self.get_object()
        school = None
        school_param = request.query_params.get("school", "")
        if school_param:
            visible = selectors.schools_visible(request.user)
            school = visible.filter(pk=int(school_param)).first() if school_param.isdigit() else None
            if school is None:
                raise NotFound("No such school.")
        report = term_calendar(term=term, school=school)
        return Response(
            {
                "term": term.pk,
                "school": school.pk if school else None,
                "warnings": report.warnings,
                "unknown_years": report.unknown_years,
                "duty_days": len(report.duty_days()),
                "days": [d.as_dict() for d in report.days],
            }
        )

    @extend_schema(request=BuildInputSerializer, responses=ShiftBuildSerializer)
    @action(detail=True, methods=["post"], url_path="build-shifts")
    def build_shifts(self, request, pk=None):
        """Create the term's shifts (idempotent); rows no longer valid but assigned come back as conflicts."""
        body = BuildInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = body.validated_data.get("schools")
        schools = list(School.objects.filter(pk__in=ids)) if ids else None
        report = duty_shifts_build(term=self.get_object(), actor=request.user, schools=schools)
        return Response(report.as_dict())


class OverrideViewSet(DutyApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                      viewsets.GenericViewSet):  # fmt: skip
    serializer_class = OverrideSerializer
    queryset = CalendarOverride.objects.order_by("date")

    def create(self, request):
        body = OverrideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        override = services.calendar_override_create(actor=request.user, **body.validated_data)
        return Response(OverrideSerializer(override).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.calendar_override_delete(override=instance, actor=self.request.user)


class ClosureViewSet(DutyApiMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ClosureSerializer

    def get_queryset(self):
        qs = selectors.closure_list_visible(self.request.user).order_by("start_date")
        school = self.request.query_params.get("school", "")
        return qs.filter(school_id=int(school)) if school.isdigit() else qs

    def create(self, request):
        body = ClosureSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        closure = services.school_closure_create(actor=request.user, **body.validated_data)
        return Response(ClosureSerializer(closure).data, status=status.HTTP_201_CREATED)


class BellScheduleViewSet(DutyApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Bell schedules; POST creates one or replaces the school's schedule of the same name with its bells."""

    serializer_class = BellScheduleSerializer

    def get_queryset(self):
        qs = selectors.bell_schedules_visible(self.request.user)
        school = self.request.query_params.get("school", "")
        return qs.filter(school_id=int(school)) if school.isdigit() else qs

    def create(self, request):
        body = BellScheduleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        schedule = services.bell_schedule_save(
            school=data["school"],
            name=data["name"],
            weekdays=data["weekdays"],
            bells=[dict(b) for b in data["bells"]],
            actor=request.user,
        )
        return Response(BellScheduleSerializer(schedule).data, status=status.HTTP_201_CREATED)


class WindowRuleViewSet(DutyApiMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Window rules: county defaults (``school`` null) and school rules. POST sets one (replacing it)."""

    serializer_class = WindowRuleSerializer

    def get_queryset(self):
        return WindowRule.objects.filter(school__isnull=True) | WindowRule.objects.filter(
            school__in=selectors.schools_visible(self.request.user)
        )

    def create(self, request):
        body = WindowRuleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rule = services.window_rule_save(actor=request.user, **body.validated_data)
        return Response(WindowRuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class PostViewSet(DutyApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Posts at gates. POST without ``requirements`` uses the gate's default staffing."""

    serializer_class = PostSerializer

    def get_queryset(self):
        qs = selectors.posts_visible(self.request.user)
        school = self.request.query_params.get("school", "")
        return qs.filter(gate__school_id=int(school)) if school.isdigit() else qs

    def create(self, request):
        body = PostSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        post = services.post_create(actor=request.user, **body.validated_data)
        return Response(PostSerializer(post).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        body = PostSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        post = services.post_update(post=self.get_object(), actor=request.user, **body.validated_data)
        return Response(PostSerializer(post).data)


class StaffViewSet(DutyApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Duty staff; filter with ``?role=``, ``?station=``, ``?school=``."""

    serializer_class = StaffSerializer

    @extend_schema(
        parameters=[OpenApiParameter("role", str), OpenApiParameter("station", int), OpenApiParameter("school", int)]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return selectors.staff_filtered(
            self.request.user,
            role=params.get("role", ""),
            station=params.get("station", ""),
            school=params.get("school", ""),
            q=params.get("q", ""),
        )

    def create(self, request):
        body = StaffSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        staff = services.duty_staff_create(actor=request.user, **body.validated_data)
        return Response(StaffSerializer(staff).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        body = StaffSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        staff = services.duty_staff_update(staff=self.get_object(), actor=request.user, **body.validated_data)
        return Response(StaffSerializer(staff).data)


class LeaveViewSet(DutyApiMixin, mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = LeaveSerializer

    def get_queryset(self):
        qs = selectors.leave_visible(self.request.user).order_by("start")
        staff = self.request.query_params.get("staff", "")
        return qs.filter(staff_id=int(staff)) if staff.isdigit() else qs

    def create(self, request):
        body = LeaveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        leave = services.leave_create(actor=request.user, **body.validated_data)
        return Response(LeaveSerializer(leave).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.leave_delete(leave=instance, actor=self.request.user)
