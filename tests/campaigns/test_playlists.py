"""Playlists: ordered clips (positions 1..n), add / remove / reorder, the loop length, and ``playlist_ready``."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns.content.selectors import playlist_loop_s, playlist_ready
from campaigns.content.services import playlist_create, playlist_delete, playlist_update
from campaigns.models import Playlist, PlaylistItem
from common.errors import Conflict, NotAllowed
from common.models import AuditLogEntry
from common.roles import Role
from tests.campaigns import builders
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def pilot():
    return make_user(Role.DRONE_OPERATOR)


def order(playlist: Playlist) -> list[tuple[int, str]]:
    return list(
        PlaylistItem.objects.filter(playlist=playlist).order_by("position").values_list("position", "clip__title")
    )


def test_clips_play_in_the_given_order_and_the_loop_is_their_sum(pilot):
    a = builders.clip("A", duration_s=75.0)
    b = builders.clip("B", duration_s=30.5)
    c = builders.clip("C", duration_s=12.25)
    playlist = playlist_create(name="反诈宣传", clips=[c.pk, a.pk, b.pk], actor=pilot)
    assert order(playlist) == [(1, "C"), (2, "A"), (3, "B")]
    assert playlist_loop_s(playlist) == pytest.approx(117.75)
    entry = AuditLogEntry.objects.get(action="playlist.create")
    assert entry.after == {"name": "反诈宣传", "clips": [c.pk, a.pk, b.pk]} and entry.actor == pilot


def test_the_same_clip_may_play_twice(pilot):
    a = builders.clip("A", duration_s=10)
    playlist = playlist_create(name="loop", clips=[a.pk, a.pk], actor=pilot)
    assert order(playlist) == [(1, "A"), (2, "A")] and playlist_loop_s(playlist) == 20


def test_reorder_remove_and_add_renumber_from_one(pilot):
    a, b, c, d = (builders.clip(t, duration_s=10.0 * (i + 1)) for i, t in enumerate("ABCD"))
    playlist = playlist_create(name="p", clips=[a.pk, b.pk, c.pk], actor=pilot)
    playlist = playlist_update(playlist=playlist, clips=[c.pk, d.pk, a.pk], actor=pilot)
    assert order(playlist) == [(1, "C"), (2, "D"), (3, "A")]
    assert playlist_loop_s(Playlist.objects.get(pk=playlist.pk)) == pytest.approx(30 + 40 + 10)
    entry = AuditLogEntry.objects.get(action="playlist.update")
    assert entry.before["clips"] == [a.pk, b.pk, c.pk] and entry.after["clips"] == [c.pk, d.pk, a.pk]


def test_unknown_clips_are_named_by_position_and_nothing_is_written(pilot):
    a = builders.clip("A")
    playlist = playlist_create(name="p", clips=[a.pk], actor=pilot)
    with pytest.raises(ValidationError) as invalid:
        playlist_update(playlist=playlist, name="q", clips=[a.pk, 99999], actor=pilot)
    assert invalid.value.message_dict["clips"] == ["Position 2: there is no clip 99999."]
    playlist.refresh_from_db()
    assert playlist.name == "p" and order(playlist) == [(1, "A")]


def test_a_name_in_use_is_refused(pilot):
    playlist_create(name="反诈宣传", clips=[], actor=pilot)
    with pytest.raises(ValidationError) as invalid:
        playlist_create(name=" 反诈宣传 ", clips=[], actor=pilot)
    assert "already called" in invalid.value.message_dict["name"][0]
    assert Playlist.objects.count() == 1


def test_only_clip_editors_make_playlists():
    with pytest.raises(NotAllowed):
        playlist_create(name="x", clips=[], actor=make_user(Role.LEADERSHIP))


def test_ready_only_with_clips_and_every_clip_approved(pilot):
    empty = playlist_create(name="empty", clips=[], actor=pilot)
    assert playlist_ready(empty) == (False, ["“empty” has no clips."])
    ok = builders.clip("已批准", status="approved")
    draft = builders.clip("草稿", status="draft")
    returned = builders.clip("退回", status="returned")
    mixed = playlist_create(name="mixed", clips=[ok.pk, draft.pk, returned.pk], actor=pilot)
    ready, problems = playlist_ready(mixed)
    assert not ready
    assert problems == [
        "Clip 2, “草稿”, is not approved (Draft).",
        "Clip 3, “退回”, is not approved (Returned).",
    ]
    assert playlist_ready(playlist_create(name="fine", clips=[ok.pk], actor=pilot)) == (True, [])


def test_a_playlist_a_campaign_uses_cannot_be_deleted(pilot):
    campaign = builders.campaign()
    with pytest.raises(Conflict) as conflict:
        playlist_delete(playlist=campaign.playlist, actor=pilot)
    assert campaign.name in conflict.value.message
    assert Playlist.objects.filter(pk=campaign.playlist_id).exists()
    free = playlist_create(name="free", clips=[], actor=pilot)
    playlist_delete(playlist=free, actor=pilot)
    assert not Playlist.objects.filter(name="free").exists()
    assert AuditLogEntry.objects.filter(action="playlist.delete").count() == 1


# --- pages ---------------------------------------------------------------------------------------


def test_the_edit_form_reorders_by_position_removes_and_adds(client, pilot):
    a, b, c, d = (builders.clip(t, duration_s=60.0) for t in "ABCD")
    playlist = playlist_create(name="p", clips=[a.pk, b.pk, c.pk], actor=pilot)
    client.force_login(pilot)
    url = reverse("campaigns:playlist-edit", args=[playlist.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": "p2",
            "position_0": "3",  # A to the end
            "position_1": "1",  # B first
            "position_2": "2",
            "remove_2": "on",  # C out
            "add_clip_0": str(d.pk),
            "add_position_0": "1",  # D before B
        },
    )
    assert response.status_code == 302
    playlist.refresh_from_db()
    assert playlist.name == "p2" and order(playlist) == [(1, "D"), (2, "B"), (3, "A")]
    page = client.get(reverse("campaigns:playlist-detail", args=[playlist.pk])).content.decode()
    assert "3:00" in page  # three clips of one minute: the loop


def test_the_new_playlist_page_appends_clips_without_a_position(client, pilot):
    a, b = builders.clip("A", status="draft"), builders.clip("B")
    client.force_login(pilot)
    response = client.post(
        reverse("campaigns:playlist-new"), {"name": "新的", "add_clip_0": str(a.pk), "add_clip_1": str(b.pk)}
    )
    playlist = Playlist.objects.get(name="新的")
    assert response.status_code == 302 and order(playlist) == [(1, "A"), (2, "B")]
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Clip 1, “A”, is not approved (Draft)." in page and "not ready" in page


def test_a_bad_position_is_shown_on_its_row_and_nothing_changes(client, pilot):
    a = builders.clip("A")
    playlist = playlist_create(name="p", clips=[a.pk], actor=pilot)
    client.force_login(pilot)
    response = client.post(reverse("campaigns:playlist-edit", args=[playlist.pk]), {"name": "p", "position_0": "x"})
    assert response.status_code == 200 and response.context["form"].errors["position_0"]
    assert order(playlist) == [(1, "A")]
