"""``/api/patrol/terms/<id>/generate/``: GET the last report (VIEW_DUTY), POST to generate (MANAGE_DUTY)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from campus.models import Term
from common.permissions import HasCapability
from common.roles import Capability
from patrol.models import Roster
from patrol.roster import selectors
from patrol.roster.generate import MAX_TIME_LIMIT_S, roster_generate


class GenerateInputSerializer(serializers.Serializer):
    time_limit_s = serializers.FloatField(required=False, allow_null=True, min_value=1, max_value=MAX_TIME_LIMIT_S)
    replan = serializers.BooleanField(required=False, default=False)
    from_date = serializers.DateField(required=False, allow_null=True)
    full = serializers.BooleanField(
        required=False, default=False, help_text="Re-plan every piece, not only those whose inputs changed."
    )


class GenerateReportSerializer(serializers.Serializer):
    term = serializers.IntegerField()
    generated_at = serializers.DateTimeField(allow_null=True)
    report = serializers.DictField(help_text="The solver report: coverage, uncovered places and why, loads, weights.")


class GenerateTermApi(APIView):
    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_DUTY
    write_capability = Capability.MANAGE_DUTY

    @extend_schema(responses=GenerateReportSerializer)
    def get(self, request, pk: int):
        term = get_object_or_404(Term, pk=pk)
        roster = Roster.objects.filter(term=term).first()
        return Response(
            {
                "term": term.pk,
                "generated_at": roster.generated_at if roster else None,
                "report": selectors.roster_report_for(request.user, roster.report if roster else {}),
            }
        )

    @extend_schema(request=GenerateInputSerializer, responses=GenerateReportSerializer)
    def post(self, request, pk: int):
        term = get_object_or_404(Term, pk=pk)
        data = GenerateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        roster = roster_generate(
            term=term,
            actor=request.user,
            time_limit_s=data.validated_data.get("time_limit_s"),
            replan=data.validated_data.get("replan", False),
            from_date=data.validated_data.get("from_date"),
            full=data.validated_data.get("full", False),
        )
        report = selectors.roster_report_for(request.user, roster.report)
        return Response({"term": term.pk, "generated_at": roster.generated_at, "report": report})
