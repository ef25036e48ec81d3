"""Serializers of the clip and playlist API: input as sent (JSON or multipart) and records as stored."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.content import selectors
from campaigns.models import Clip, Playlist, Theme


class ClipSerializer(serializers.ModelSerializer):
    theme_label = serializers.CharField(source="get_theme_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    audio_url = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()
    reviewed_by = serializers.SerializerMethodField()

    class Meta:
        model = Clip
        fields = [
            "id",
            "title",
            "theme",
            "theme_label",
            "script",
            "status",
            "status_label",
            "return_reason",
            "version",
            "audio_format",
            "duration_s",
            "size_bytes",
            "sha256",
            "audio_url",
            "created_by",
            "created_at",
            "updated_at",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "is_sample",
        ]
        read_only_fields = fields

    def get_audio_url(self, clip: Clip) -> str:
        path = reverse("campaigns_api:clip-audio", kwargs={"pk": clip.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_created_by(self, clip: Clip) -> str | None:
        return clip.created_by.get_username() if clip.created_by else None

    def get_reviewed_by(self, clip: Clip) -> str | None:
        return clip.reviewed_by.get_username() if clip.reviewed_by else None


class ClipInputSerializer(serializers.Serializer):
    """A new clip (every field) or a change (only the fields sent; ``audio`` replaces the recording)."""

    title = serializers.CharField(max_length=120)
    theme = serializers.ChoiceField(choices=Theme.choices)
    script = serializers.CharField()
    audio = serializers.FileField(help_text="MP3, WAV or M4A, recognised by its content.", allow_empty_file=True)


class ClipReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text="Why the clip is returned (required).")


class PlaylistItemSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    clip = serializers.IntegerField(source="clip_id")
    title = serializers.CharField(source="clip.title")
    status = serializers.CharField(source="clip.status")
    duration_s = serializers.FloatField(source="clip.duration_s")


class PlaylistSerializer(serializers.ModelSerializer):
    items = serializers.SerializerMethodField()
    loop_s = serializers.SerializerMethodField()
    ready = serializers.SerializerMethodField()
    problems = serializers.SerializerMethodField()

    class Meta:
        model = Playlist
        fields = ["id", "name", "items", "loop_s", "ready", "problems", "created_at", "is_sample"]
        read_only_fields = fields

    @extend_schema_field(PlaylistItemSerializer(many=True))
    def get_items(self, playlist: Playlist) -> list[dict]:
        return PlaylistItemSerializer(selectors.playlist_items(playlist), many=True).data

    def get_loop_s(self, playlist: Playlist) -> float:
        return round(selectors.playlist_loop_s(playlist), 3)

    def get_ready(self, playlist: Playlist) -> bool:
        return selectors.playlist_ready(playlist)[0]

    def get_problems(self, playlist: Playlist) -> list[str]:
        return selectors.playlist_ready(playlist)[1]


class PlaylistInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    clips = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        help_text="Clip ids in the order they play (positions 1..n); the same clip may appear twice.",
    )
