"""Notices under /api/notices/: the caller's own notices, marking one or all read."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from notices.render import notice_as_dict
from notices.selectors import notice_get, notice_unread_count, notices_of
from notices.services import notice_mark_read, notices_mark_all_read

NoticeSerializer = inline_serializer(
    "Notice",
    {
        "id": serializers.IntegerField(),
        "kind": serializers.CharField(),
        "kind_label": serializers.CharField(),
        "title": serializers.CharField(),
        "body": serializers.CharField(),
        "url": serializers.CharField(),
        "urgent": serializers.BooleanField(),
        "created_at": serializers.DateTimeField(),
        "read": serializers.BooleanField(),
    },
)


def _unread_param(request) -> bool:
    value = request.query_params.get("unread", "")
    if value in ("", "0", "false"):
        return False
    if value in ("1", "true"):
        return True
    raise ValidationError({"unread": ["Use 1/true or 0/false."]})


class NoticeListApi(APIView):
    """The caller's notices, newest first, in the request's language (``?unread=1``: unread only)."""

    @extend_schema(
        parameters=[OpenApiParameter("unread", bool, description="only unread notices")],
        responses=inline_serializer(
            "NoticePage",
            {
                "count": serializers.IntegerField(),
                "unread": serializers.IntegerField(),
                "results": serializers.ListField(child=NoticeSerializer),
            },
        ),
    )
    def get(self, request):
        notices = notices_of(user=request.user, unread_only=_unread_param(request))
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(notices, request, view=self)
        response = paginator.get_paginated_response([notice_as_dict(n) for n in page])
        response.data["unread"] = notice_unread_count(user=request.user)
        return response


class NoticeReadApi(APIView):
    """Mark one of the caller's notices read; another user's notice is 404."""

    @extend_schema(request=None, responses=NoticeSerializer)
    def post(self, request, pk: int):
        if notice_get(user=request.user, notice_id=pk) is None:
            raise Http404
        return Response(notice_as_dict(notice_mark_read(user=request.user, notice_id=pk)))


class NoticeReadAllApi(APIView):
    """Mark all the caller's notices read."""

    @extend_schema(request=None, responses=inline_serializer("NoticesRead", {"marked": serializers.IntegerField()}))
    def post(self, request):
        return Response({"marked": notices_mark_all_read(user=request.user), "unread": 0})
