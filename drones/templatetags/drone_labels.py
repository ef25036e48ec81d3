"""Codes a drone page shows by their label in the reader's language: payloads."""

from __future__ import annotations

from django import template

from drones.models import Payload

register = template.Library()


@register.filter
def payload(code: str) -> str:
    """``loudspeaker`` -> 喊话器 / Loudspeaker: the payload's label, else the code as it is."""
    return str(dict(Payload.choices).get(code, code))
