"""Clip and playlist API under ``/api/campaigns/``: clips (list, detail, upload with multipart, change,
submit / approve / return) and playlists (list, detail, create, change, delete).

The recording is at ``clips/<id>/audio/`` (session or token). Reads need VIEW_CAMPAIGNS; uploads, changes
and playlists EDIT_CLIPS; approving and returning APPROVE_CLIPS.
Errors are ``{"code", "detail", "errors"}``: a wrong transition is 409 ``clip_status`` with the current
status, a refused recording 400 ``audio_*``; nothing is written.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from campaigns.content import selectors, services
from campaigns.content.responses import clip_audio_response
from campaigns.content.serializers import (
    ClipInputSerializer,
    ClipReturnSerializer,
    ClipSerializer,
    PlaylistInputSerializer,
    PlaylistSerializer,
)
from common.permissions import HasCapability
from common.roles import Capability

_CLIP_WRITE = {
    "submit": Capability.EDIT_CLIPS,
    "approve": Capability.APPROVE_CLIPS,
    "give_back": Capability.APPROVE_CLIPS,
}


class ClipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Broadcast clips; filters: ``theme``, ``status``, ``q`` (title contains)."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_CAMPAIGNS
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    serializer_class = ClipSerializer

    @property
    def write_capability(self) -> Capability:
        return _CLIP_WRITE.get(getattr(self, "action", ""), Capability.EDIT_CLIPS)

    def get_queryset(self):
        return selectors.clips_visible(self.request.user)

    def perform_content_negotiation(self, request, force=False):
        # The recording is not rendered: an ``Accept: audio/*`` must not be refused as not acceptable.
        return super().perform_content_negotiation(request, force=force or getattr(self, "action", "") == "audio")

    def filter_queryset(self, queryset):
        params = self.request.query_params
        return selectors.clip_filter(
            queryset, theme=params.get("theme", ""), status=params.get("status", ""), q=params.get("q", "").strip()
        )

    def _out(self, clip, code=status.HTTP_200_OK) -> Response:
        return Response(ClipSerializer(clip, context={"request": self.request}).data, status=code)

    @extend_schema(
        parameters=[
            OpenApiParameter("theme", str, description="theme code, e.g. anti_fraud"),
            OpenApiParameter("status", str, description="draft, submitted, approved or returned"),
            OpenApiParameter("q", str, description="title contains"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request={"multipart/form-data": ClipInputSerializer}, responses={201: ClipSerializer})
    def create(self, request, *args, **kwargs):
        body = ClipInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        clip = services.clip_create(
            title=data["title"], theme=data["theme"], script=data["script"], audio=data["audio"], actor=request.user
        )
        return self._out(clip, status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": ClipInputSerializer, "application/json": ClipInputSerializer},
        responses={200: ClipSerializer},
        description="Change the title, theme, script and/or recording: a real change makes the clip a draft "
        "with the next version, to be approved again.",
    )
    def partial_update(self, request, *args, **kwargs):
        clip = self.get_object()
        body = ClipInputSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        clip = services.clip_update(
            clip=clip,
            title=data.get("title"),
            theme=data.get("theme"),
            script=data.get("script"),
            audio=data.get("audio"),
            actor=request.user,
        )
        return self._out(clip)

    @extend_schema(
        responses={(200, "audio/mpeg"): OpenApiTypes.BINARY, (200, "audio/wav"): OpenApiTypes.BINARY,
                   (200, "audio/mp4"): OpenApiTypes.BINARY},
        description="The recording as stored, with the content type of what it was decoded as.",
    )  # fmt: skip
    @action(detail=True, methods=["get"])
    def audio(self, request, pk=None):
        return clip_audio_response(self.get_object())

    @extend_schema(request=None, responses={200: ClipSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._out(services.clip_submit(clip=self.get_object(), actor=request.user))

    @extend_schema(request=None, responses={200: ClipSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._out(services.clip_approve(clip=self.get_object(), actor=request.user))

    @extend_schema(request=ClipReturnSerializer, responses={200: ClipSerializer})
    @action(detail=True, methods=["post"], url_path="return")
    def give_back(self, request, pk=None):
        body = ClipReturnSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._out(
            services.clip_return(clip=self.get_object(), reason=body.validated_data["reason"], actor=request.user)
        )


class PlaylistViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Playlists: ordered clips with their loop length and whether they are ready to broadcast."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_CAMPAIGNS
    write_capability = Capability.EDIT_CLIPS
    serializer_class = PlaylistSerializer

    def get_queryset(self):
        return selectors.playlists_visible(self.request.user).order_by("name")

    def _out(self, playlist, code=status.HTTP_200_OK) -> Response:
        stored = self.get_queryset().get(pk=playlist.pk)
        return Response(PlaylistSerializer(stored, context={"request": self.request}).data, status=code)

    @extend_schema(request=PlaylistInputSerializer, responses={201: PlaylistSerializer})
    def create(self, request, *args, **kwargs):
        body = PlaylistInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        playlist = services.playlist_create(
            name=body.validated_data["name"], clips=body.validated_data["clips"], actor=request.user
        )
        return self._out(playlist, status.HTTP_201_CREATED)

    @extend_schema(request=PlaylistInputSerializer, responses={200: PlaylistSerializer})
    def partial_update(self, request, *args, **kwargs):
        playlist = self.get_object()
        body = PlaylistInputSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        playlist = services.playlist_update(
            playlist=playlist,
            name=body.validated_data.get("name"),
            clips=body.validated_data.get("clips"),
            actor=request.user,
        )
        return self._out(playlist)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.playlist_delete(playlist=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
