"""The union's structure, the people who log in, their roles, and the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    """A person who logs in: an officer, a rep, a volunteer or a member."""

    # Bumped whenever the user's roles, their reach or their second-factor devices change, so
    # each process can keep what it worked out from them between requests
    # (``mandate.core.access_cache``): the user row is read on every request anyway.
    access_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        db_table = "core_user"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The access version is only ever raised in the database: a copy of the user loaded
        # before a raise (a password change in a request that overlapped a role being taken
        # away) must not write the older number back, or what was remembered under it would be
        # taken for current again.
        if (
            not self._state.adding
            and kwargs.get("update_fields") is None
            and not kwargs.get("force_insert")
        ):
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [
                f.attname
                for f in self._meta.concrete_fields
                if not f.primary_key and f.attname != "access_version" and f.attname not in deferred
            ]
        super().save(*args, **kwargs)


class Jurisdiction(models.TextChoices):
    ENGLAND = "england", "England"
    WALES = "wales", "Wales"
    SCOTLAND = "scotland", "Scotland"
    NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"

    @property
    def rulebook(self) -> str:
        """The rulebook key for this nation: Great Britain or Northern Ireland."""
        return "ni" if self is Jurisdiction.NORTHERN_IRELAND else "gb"


class Union(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="regions")
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Employer(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(unique=True)
    jurisdiction = models.CharField(max_length=20, choices=Jurisdiction.choices)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Workplace(models.Model):
    """A site of an employer: where members work, and later where pickets stand."""

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="workplaces")
    name = models.CharField(max_length=200)
    postcode = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["employer", "name"], name="workplace_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="departments")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["employer", "name"], name="department_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Branch(models.Model):
    """The union's local unit, usually one per employer, sometimes covering several."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="branches")
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(unique=True)
    employers = models.ManyToManyField(Employer, related_name="branches", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "branches"

    def __str__(self) -> str:
        return self.name


class RoleKind(models.TextChoices):
    NATIONAL_OFFICER = "national_officer", "National officer"
    REGIONAL_OFFICER = "regional_officer", "Regional officer"
    BRANCH_OFFICER = "branch_officer", "Branch officer"
    REP = "rep", "Rep"
    CALLER = "caller", "Volunteer caller"
    FUND_PANEL = "fund_panel", "Fund panel member"
    MEMBER = "member", "Member"


class Role(models.Model):
    """One role a user holds, with the part of the union it reaches.

    The permission policy (``mandate.core.policy``) is the only reader of these rows.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(max_length=20, choices=RoleKind.choices)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.CASCADE)
    branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.CASCADE)
    # A rep reaches only members at these workplaces or in these departments.
    workplaces = models.ManyToManyField(Workplace, blank=True)
    departments = models.ManyToManyField(Department, blank=True)
    title = models.CharField(max_length=100, blank=True, help_text="e.g. Branch secretary")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="role_scope_matches_kind",
                condition=(
                    models.Q(kind="national_officer", region__isnull=True, branch__isnull=True)
                    | models.Q(kind="regional_officer", region__isnull=False, branch__isnull=True)
                    | models.Q(
                        kind__in=["branch_officer", "rep", "caller", "fund_panel", "member"],
                        branch__isnull=False,
                    )
                ),
            )
        ]

    def __str__(self) -> str:
        where = self.branch or self.region or "national"
        return f"{self.get_kind_display()} ({where})"


class AuditEvent(models.Model):
    """An append-only record of a change or an export. Never holds personal data in its text."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=60, blank=True)
    branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.SET_NULL)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.SET_NULL)
    # Counts, field names and ids only: the audit log is read more widely than the register.
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["branch", "-at"], name="audit_branch_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Append-only is an integrity property of the table, not a business rule.
        if self.pk is not None and not self._state.adding:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit events are append-only.")


class WorkerHeartbeat(models.Model):
    """The last time each background worker said it was alive; read by /healthz and doctor.

    Kept in the database, not in a process or a local cache, so every app server sees every
    worker.
    """

    worker_id = models.CharField(max_length=100, unique=True)
    beat_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.worker_id} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
