"""Search every text column of every model for strings: proof that an erasure left no trace."""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def text_occurrences(needles: list[str]) -> list[tuple[str, str, object]]:
    """(model label, field, pk) of every row whose text holds any of NEEDLES (case-insensitive)."""
    needles = [n for n in needles if n]
    found: list[tuple[str, str, object]] = []
    if not needles:
        return found
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for f in model._meta.concrete_fields:
            if not isinstance(f, TEXT_FIELDS):
                continue
            qs = model._default_manager.all()
            column = f.attname
            if isinstance(f, models.JSONField):
                # JSON is searched as its stored text, one query on every database.
                qs = qs.annotate(_privacy_text=Cast(f.attname, models.TextField()))
                column = "_privacy_text"
            q = Q()
            for needle in needles:
                q |= Q(**{f"{column}__icontains": needle})
            for pk in qs.filter(q).values_list("pk", flat=True):
                found.append((model._meta.label_lower, f.name, pk))
    return found
