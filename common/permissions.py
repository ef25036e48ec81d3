"""Capability checks for pages and API views.

Pages: ``@capability_required(Capability.X)`` (anonymous users are sent to the
login page, others without the capability get 403). API: set
``required_capability`` (and optionally ``write_capability`` for unsafe
methods) on a DRF view and use ``HasCapability``.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from common.roles import Capability, can


def capability_required(*capabilities: Capability):
    """Page decorator: the user must hold every listed capability."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not all(can(request.user, cap) for cap in capabilities):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.required_capabilities = capabilities
        return wrapper

    return decorator


class HasCapability(BasePermission):
    """DRF permission reading ``required_capability`` / ``write_capability`` from the view."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        needed = getattr(view, "required_capability", None)
        if needed is not None and not can(request.user, needed):
            return False
        if request.method not in SAFE_METHODS:
            write = getattr(view, "write_capability", None)
            if write is None:
                write = getattr(view, "required_capability", None)
            if write is not None and not can(request.user, write):
                return False
        return True
