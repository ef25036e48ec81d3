"""The upload form of the Imports page."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.geo import CRS_LABELS
from imports.registry import kind_choices
from imports.services import FileTooLarge, check_upload_size


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of records"), choices=())
    # No default on purpose: the user must say which map their coordinates were copied from.
    crs = forms.ChoiceField(
        label=_("Coordinate system of the file"),
        choices=[("", _("— choose —"))] + [(crs.value, label) for crs, label in CRS_LABELS.items()],
        help_text=_("AMap and Tencent use GCJ-02, Baidu BD-09, GPS and Tianditu WGS-84."),
    )
    file = forms.FileField(
        label=_("File"),
        allow_empty_file=True,
        help_text=_("CSV (UTF-8 or GBK), XLSX, GeoJSON, KML, or a zipped Shapefile."),
    )

    def __init__(self, *args, kinds=None, **kwargs):
        """``kinds``: the kinds the user may import (the choices offered); None for all."""
        super().__init__(*args, **kwargs)
        allowed = None if kinds is None else {str(k) for k in kinds}
        self.fields["kind"].choices = [("", "—")] + [c for c in kind_choices() if allowed is None or c[0] in allowed]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            check_upload_size(upload.size)
        except FileTooLarge as exc:
            raise ValidationError(exc.message, code=exc.code) from None
        return upload
