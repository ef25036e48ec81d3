"""Forms of the clip and playlist pages: they parse what was sent; the services check and write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaigns.models import Clip, PlaylistItem, Theme

ADD_ROWS = 3


class ClipForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    theme = forms.ChoiceField(label=_("Theme"), choices=Theme.choices)
    script = forms.CharField(
        label=_("Script"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The text the recording reads, word for word."),
    )
    audio = forms.FileField(
        label=_("Recording (MP3, WAV or M4A)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".mp3,.wav,.m4a,audio/mpeg,audio/wav,audio/mp4"}),
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["audio"].required = False
            self.fields["audio"].widget = forms.FileInput(attrs=self.fields["audio"].widget.attrs)
            self.fields["audio"].help_text = _("Leave empty to keep the current recording.")


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it returned?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class PlaylistForm(forms.Form):
    """The name, and one row per clip: its position (1, 2, ...) and a box to remove it, plus rows to add clips.

    ``clip_ids()`` gives the clips in the new order: rows sorted by the position typed (ties keep the order
    on the page), removed rows left out, numbered 1..n again by the service.
    """

    name = forms.CharField(label=_("Name"), max_length=120)

    def __init__(self, *args, items: list[PlaylistItem] | None = None, clips=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items or [])
        choices = [("", "—")] + [
            (c.pk, f"{c.title} · {c.get_status_display()}") for c in (clips or Clip.objects.none())
        ]
        for index, item in enumerate(self.items):
            self.fields[f"position_{index}"] = forms.IntegerField(
                label=_("Position"), min_value=1, max_value=999, initial=item.position
            )
            self.fields[f"remove_{index}"] = forms.BooleanField(label=_("Remove"), required=False)
        for index in range(ADD_ROWS):
            self.fields[f"add_clip_{index}"] = forms.TypedChoiceField(
                label=_("Add clip"), choices=choices, required=False, coerce=int, empty_value=None
            )
            self.fields[f"add_position_{index}"] = forms.IntegerField(
                label=_("at position"), min_value=1, max_value=999, required=False
            )

    def rows(self):
        """(item, position field, remove field) for the template."""
        return [(item, self[f"position_{i}"], self[f"remove_{i}"]) for i, item in enumerate(self.items)]

    def add_rows(self):
        return [(self[f"add_clip_{i}"], self[f"add_position_{i}"]) for i in range(ADD_ROWS)]

    def clean(self):
        data = super().clean()
        for index in range(ADD_ROWS):
            if data.get(f"add_position_{index}") is not None and data.get(f"add_clip_{index}") is None:
                self.add_error(
                    f"add_clip_{index}", ValidationError(gettext("Choose the clip to add at this position."))
                )
        return data

    def clip_ids(self) -> list[int]:
        data = self.cleaned_data
        rows: list[tuple[int, int, int]] = []
        order = 0
        for index, item in enumerate(self.items):
            if not data.get(f"remove_{index}"):
                rows.append((data[f"position_{index}"], order, item.clip_id))
            order += 1
        last = max((r[0] for r in rows), default=0)
        for index in range(ADD_ROWS):
            clip_id = data.get(f"add_clip_{index}")
            if clip_id is None:
                continue
            position = data.get(f"add_position_{index}")
            if position is None:
                last += 1
                position = last
            # Added at position p goes before the clip that was at p.
            rows.append((position, order - 10_000, clip_id))
            order += 1
        return [clip_id for _position, _order, clip_id in sorted(rows)]
