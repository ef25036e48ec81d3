"""Page helpers shared by the apps' forms."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from common.errors import DomainError


def save_form_with_service(request, form, service, kwarg: str):
    """Save a valid ModelForm's instance through ``service``; errors go onto the form.

    Returns the saved object, or None when the service refused (the form then
    shows why: a rule's message, or the model's field errors).
    """
    obj = form.save(commit=False)
    try:
        service(**{kwarg: obj, "actor": request.user})
    except DomainError as exc:
        form.add_error(None, exc.message)
    except ValidationError as exc:
        form.add_error(None, exc)
    else:
        messages.success(request, _("Saved."))
        return obj
    return None
