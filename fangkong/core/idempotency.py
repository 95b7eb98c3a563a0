"""Idempotency keys: a write retried after a dropped connection is not made twice.

A client sends a key of its choosing with a write: the ``Idempotency-Key`` header on the API, the
hidden ``idempotency_key`` field on a page's form (``{% idempotency_field %}`` puts a fresh one in).
The first request with the key runs, inside one transaction with the key's row, and its answer is
kept; a retry with the same key and the same request gets that answer back (the API's body and
status, the page's redirect) and writes nothing; the same key with another request is refused
(422) with the reason. Keys are per user. Two requests with one key at the same moment: the second
waits on the key's unique index until the first commits, then gets its answer; if the first
failed (an error answer is never kept), the second runs.

``idempotent`` decorates a DRF view method, ``idempotent_page`` a page view.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from fangkong.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
FIELD = "idempotency_key"
_VALID = re.compile(r"^[A-Za-z0-9_.:\-]{1,100}$")
# Fields of a page's form that differ between two sends of the same form.
_NOT_CONTENT = {"csrfmiddlewaretoken", FIELD}


def new_key() -> str:
    return uuid.uuid4().hex


def _fingerprint(method: str, path: str, content: Any) -> str:
    canonical = json.dumps([method, path, content], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _reuse_message() -> str:
    return _(
        "This idempotency key was already used for a different request. Use a new key for each "
        "new operation; resend the same request only to retry it."
    )


def _bad_key_message() -> str:
    return _("The idempotency key must be 1 to 100 letters, digits or - _ . :")


class _Discard(Exception):
    """Leaves the transaction without keeping the key: the answer was not a success."""

    def __init__(self, response: Any) -> None:
        self.response = response


def _run_once[R](
    *,
    user: Any,
    key: str,
    fingerprint: str,
    path: str,
    run: Callable[[], R],
    keep: Callable[[R, IdempotencyKey], bool],
    replay: Callable[[IdempotencyKey], R],
    conflict: Callable[[], R],
) -> R:
    """The one mechanism under both decorators."""
    existing = IdempotencyKey.objects.filter(user=user, key=key).first()
    if existing is None:
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=user, key=key, fingerprint=fingerprint, path=path[:200]
                )
                result = run()
                if not keep(result, record):
                    raise _Discard(result)
                record.save(update_fields=["status_code", "body", "location"])
                return result
        except _Discard as discarded:
            return discarded.response  # type: ignore[no-any-return]
        except IntegrityError:
            # another request with this key committed first (it held the unique index)
            existing = IdempotencyKey.objects.filter(user=user, key=key).first()
            if existing is None:  # pragma: no cover - an IntegrityError of the write itself
                raise
    if existing.fingerprint != fingerprint:
        return conflict()
    return replay(existing)


def _api_content(request: Request) -> Any:
    data = request.data
    if hasattr(data, "lists"):  # a form-encoded or multipart body
        return dict(data.lists())
    return data


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A key of the client's choosing (1-100 of A-Z a-z 0-9 - _ . :), new for each operation. "
        "A retry with the same key and body gets the first answer back (header "
        "Idempotent-Replayed: true) and writes nothing; the same key with another body is 422."
    ),
)


def idempotent(method: Callable[..., Response]) -> Callable[..., Response]:
    """A DRF view method (``create``, an ``@action``) that honours ``Idempotency-Key``."""

    @extend_schema(parameters=[IDEMPOTENCY_PARAMETER])
    @functools.wraps(method)
    def wrapped(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None or not request.user.is_authenticated:
            return method(self, request, *args, **kwargs)
        if not _VALID.match(key):
            return Response({"detail": _bad_key_message()}, status=400)
        fingerprint = _fingerprint(request.method or "", request.path, _api_content(request))

        def keep(response: Response, record: IdempotencyKey) -> bool:
            if not 200 <= response.status_code < 300:
                return False
            record.status_code = response.status_code
            record.body = json.loads(JSONRenderer().render(response.data) or b"null")
            return True

        def replay(record: IdempotencyKey) -> Response:
            return Response(
                record.body, status=record.status_code, headers={"Idempotent-Replayed": "true"}
            )

        return _run_once(
            user=request.user,
            key=key,
            fingerprint=fingerprint,
            path=request.path,
            run=lambda: method(self, request, *args, **kwargs),
            keep=keep,
            replay=replay,
            conflict=lambda: Response({"detail": _reuse_message()}, status=422),
        )

    return wrapped


class IdempotentCreateMixin:
    """Put before ``CreateModelMixin``: its ``create`` honours ``Idempotency-Key``."""

    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)  # type: ignore[misc, no-any-return]


def idempotent_page[**P](
    view: Callable[P, HttpResponse],
) -> Callable[P, HttpResponse]:
    """A page view whose form carries ``{% idempotency_field %}``: a form sent twice (a double
    tap, a retry on a bad connection) is written once; the second send is taken where the first
    went, with a note."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        request: HttpRequest = args[0]  # type: ignore[assignment]
        key = request.POST.get(FIELD) if request.method == "POST" else None
        if not key or not request.user.is_authenticated:
            return view(*args, **kwargs)
        if not _VALID.match(key):
            return _conflict_page(request, _bad_key_message(), status=400)
        content = {k: v for k, v in request.POST.lists() if k not in _NOT_CONTENT}
        fingerprint = _fingerprint("POST", request.path, content)

        def keep(response: HttpResponse, record: IdempotencyKey) -> bool:
            if not isinstance(response, HttpResponseRedirect):
                return False  # the form came back with its errors: nothing was written
            record.status_code = response.status_code
            record.location = response["Location"][:500]
            return True

        def replay(record: IdempotencyKey) -> HttpResponse:
            messages.info(request, _("This form was already sent: it was recorded once."))
            return HttpResponseRedirect(record.location)

        return _run_once(
            user=request.user,
            key=key,
            fingerprint=fingerprint,
            path=request.path,
            run=lambda: view(*args, **kwargs),
            keep=keep,
            replay=replay,
            conflict=lambda: _conflict_page(request, _reuse_message(), status=422),
        )

    return wrapped


def _conflict_page(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    return render(
        request,
        "core/refused.html",
        {"title": _("Not sent twice"), "message": message, "back": request.path},
        status=status,
    )


def idempotency_keys_purge(*, older_than: dt.timedelta = dt.timedelta(days=7)) -> int:
    """Keys are kept a week: long enough for any retry. Returns how many went."""
    deleted, _rows = IdempotencyKey.objects.filter(
        created_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
