"""Who may do what: coordinators run their programs, analysts read results and data.

A user's role in a program comes from a :class:`~klappt.web.models.Membership` for that program
or for every program (``program`` empty); a Django superuser coordinates everything.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from klappt.store.models import Program, Wave
from klappt.web.models import Membership, Role
from klappt.web.permissions import COORDINATE, READ, rule_of


def role_in(user: Any, program: Program) -> str | None:
    """``coordinator``, ``analyst`` or None."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.COORDINATOR
    roles = set(
        Membership.objects.filter(
            Q(program=program) | Q(program__isnull=True), user=user
        ).values_list("role", flat=True)
    )
    if Role.COORDINATOR in roles:
        return Role.COORDINATOR
    if Role.ANALYST in roles:
        return Role.ANALYST
    return None


def may_create_programs(user: Any) -> bool:
    return bool(
        user.is_authenticated
        and (
            user.is_superuser
            or Membership.objects.filter(
                user=user, program__isnull=True, role=Role.COORDINATOR
            ).exists()
        )
    )


def programs_of(user: Any) -> Any:
    """The programs the user has a role in."""
    if user.is_superuser or Membership.objects.filter(user=user, program__isnull=True).exists():
        return Program.objects.all()
    return Program.objects.filter(memberships__user=user).distinct()


def program_view() -> Callable[..., Any]:
    """Decorate a view taking ``slug`` (and maybe ``wave_id``): it gets ``program``, ``role``
    (and ``wave``). Unknown → 404; no role, or analyst where the URL's row in
    :data:`klappt.web.permissions.TABLE` needs a coordinator → 403 (no row → 403 as well)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @login_required
        @wraps(view)
        def wrapper(request: Any, slug: str, *args: Any, **kwargs: Any) -> Any:
            rule = rule_of(request)
            if rule is None or rule.who not in (READ, COORDINATE):
                raise PermissionDenied
            program = Program.objects.filter(slug=slug).first()
            if program is None:
                raise Http404
            role = role_in(request.user, program)
            if role is None or (rule.who == COORDINATE and role != Role.COORDINATOR):
                raise PermissionDenied
            if "wave_id" in kwargs:
                wave = (
                    Wave.objects.filter(program=program, pk=kwargs.pop("wave_id"))
                    .defer("form_file")
                    .first()
                )
                if wave is None:
                    raise Http404
                kwargs["wave"] = wave
            request.klappt_role = role
            return view(request, program, *args, **kwargs)

        return wrapper

    return decorate
