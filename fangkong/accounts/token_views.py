"""API tokens: obtained and ended through the API, listed and revoked on the profile page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fangkong.accounts.models import ApiToken
from fangkong.accounts.tokens import MUST_CHANGE_PASSWORD, api_token_issue, api_token_revoke
from fangkong.core.audit import client_ip
from fangkong.core.http import AuthedRequest


class _Credentials(serializers.Serializer[dict[str, str]]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)


_Issued = inline_serializer(
    "IssuedToken",
    fields={"token": serializers.CharField(), "expires": serializers.DateTimeField()},
)


class ObtainTokenView(APIView):
    """``POST username, password`` → a new token (shown once) and when it expires."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(request=_Credentials, responses={200: _Issued, 400: None, 403: None})
    def post(self, request: Request) -> Response:
        form = _Credentials(data=request.data)
        form.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=form.validated_data["username"],
            password=form.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to log in with provided credentials.")]}
            )
        if user.must_change_password:
            raise PermissionDenied(MUST_CHANGE_PASSWORD)
        record, token = api_token_issue(user=user, ip=client_ip(request._request))  # type: ignore[arg-type]
        return Response({"token": token, "expires": record.expires_at})


class RevokeTokenView(APIView):
    """``POST`` with the token: it ends (the API's logout)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("RevokedToken", fields={"revoked": serializers.BooleanField()}),
            401: None,
        },
    )
    def post(self, request: Request) -> Response:
        """Ends the token the request came with (a session request has none: nothing changes)."""
        if isinstance(request.auth, ApiToken):
            api_token_revoke(token=request.auth, by=request.user, ip=client_ip(request._request))  # type: ignore[arg-type]
            return Response({"revoked": True})
        return Response({"revoked": False})


@login_required
@require_POST
def token_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=pk)
    api_token_revoke(token=token, by=request.user, ip=client_ip(request))
    messages.success(request, _("The token %(prefix)s… is revoked.") % {"prefix": token.prefix})
    from fangkong.accounts.views import profile

    return profile(request)  # the page again (a second POST is a no-op)
