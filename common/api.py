"""API plumbing shared by the apps: error format and the domain-error mapping."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.errors import DomainError


def exception_handler(exc, context):
    """DRF handler that also turns domain errors and Django validation errors into 400s.

    Body: ``{"code": ..., "detail": ..., "errors": [...]}`` so clients can show
    the message and act on the code.
    """
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.http_status)
    if isinstance(exc, OperationalError) and "database is locked" in str(exc):
        # SQLite waited its busy timeout for another writer: a retryable 503, not a 500.
        return Response(
            {"code": "database_busy", "detail": _("The database is busy; try again in a moment.")},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "2"},
        )
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(
            {
                "code": "invalid",
                "detail": "; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()),
                "errors": errors,
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    return drf_exception_handler(exc, context)


class ServiceSaveMixin:
    """ModelViewSet writes through a service: ``save_service(**{save_kwarg: instance, "actor": user})``.

    The serializer validates; the service checks permissions and rules, saves
    and audits, so the API, the pages and the admin write the same way.
    """

    save_service = None
    save_kwarg = ""

    def _save_through_service(self, serializer) -> None:
        instance = serializer.instance or serializer.Meta.model()
        for key, value in serializer.validated_data.items():
            setattr(instance, key, value)
        type(self).save_service(**{self.save_kwarg: instance, "actor": self.request.user})
        serializer.instance = instance

    def perform_create(self, serializer) -> None:
        self._save_through_service(serializer)

    def perform_update(self, serializer) -> None:
        self._save_through_service(serializer)
