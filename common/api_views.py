"""API endpoints of the foundation: a venue checks its key with ``GET /api/v1/venue/whoami``."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ErrorOutputSerializer
from common.apikeys import ApiKeyAuthentication, ApiKeyPrincipal
from common.exceptions import Invalid
from common.services.apikeys import VALID_SCOPES


class IsApiKey(permissions.BasePermission):
    """Any valid, unrevoked API key, whatever its scopes."""

    message = "an API key is required"

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, ApiKeyPrincipal)


class WhoamiOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    prefix = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    has_scope = serializers.BooleanField(required=False)


class VenueWhoamiApi(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [IsApiKey]

    @extend_schema(
        operation_id="venue_whoami",
        summary="The calling API key's name and scopes",
        parameters=[
            OpenApiParameter(
                "scope",
                str,
                required=False,
                enum=sorted(VALID_SCOPES),
                description="also answer whether the key carries this scope",
            )
        ],
        responses={
            200: WhoamiOutputSerializer,
            400: ErrorOutputSerializer,
            401: ErrorOutputSerializer,
        },
    )
    def get(self, request):
        key = request.user.key
        data = {"name": key.name, "prefix": key.prefix, "scopes": sorted(key.scopes)}
        scope = request.query_params.get("scope")
        if scope is not None:
            if scope not in VALID_SCOPES:
                raise Invalid.field(
                    "scope", f"unknown scope {scope!r}; valid: {', '.join(sorted(VALID_SCOPES))}"
                )
            data["has_scope"] = scope in request.user.scopes
        return Response(WhoamiOutputSerializer(data).data)
