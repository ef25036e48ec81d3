"""Page helpers shared by the apps' forms."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from common.errors import DomainError, NotAllowed


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


def run_service(request, action, success: str, *, refusal_is_403: bool = False) -> bool:
    """Call a service for a POST page; its refusal becomes an error message, success ``success``.

    With ``refusal_is_403`` a ``NotAllowed`` (the person may not do this at all) is a 403 page instead.
    """
    try:
        action()
    except NotAllowed as exc:
        if refusal_is_403:
            raise PermissionDenied(exc.message) from None
        messages.error(request, exc.message)
        return False
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True


def form_errors(form) -> str:
    """All errors of a bound form on one line, each after its field's label: 'First day: Enter a valid date.'"""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return "; ".join(parts)
