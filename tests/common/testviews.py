"""A URLconf for tests only: the real URLs plus two API views that exercise shared machinery.

``require_scope`` gets its real user from clearing (ingest); until then this scoped view checks it,
and the nested-input view shows the error shape with dotted field paths.
"""

from django.urls import path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from common.apikeys import ApiKeyAuthentication, require_scope
from config.urls import urlpatterns as real_urlpatterns


class ScopedApi(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [require_scope("ingest")]

    def get(self, request):
        return Response({"ok": True})


class LegInputSerializer(serializers.Serializer):
    account = serializers.CharField()
    amount = serializers.IntegerField(min_value=1)


class EntryInputSerializer(serializers.Serializer):
    memo = serializers.CharField(max_length=10)
    legs = LegInputSerializer(many=True)


class NestedInputApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def post(self, request):
        EntryInputSerializer(data=request.data).is_valid(raise_exception=True)
        return Response({"ok": True})


urlpatterns = [
    path("test/scoped", ScopedApi.as_view()),
    path("test/nested", NestedInputApi.as_view()),
    *real_urlpatterns,
]
