"""API: who am I (`/api/v1/me/`) and the members of a cooperative (managers only)."""

from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from coop.api import CoopAPIMixin
from members import selectors
from members.models import MANAGER_ROLES, Membership, User


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "language"]


class MyMembershipSerializer(serializers.ModelSerializer):
    coop = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    coop_name = serializers.CharField(source="coop.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["coop", "coop_name", "roles"]


class MemberSerializer(serializers.ModelSerializer):
    user = UserSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "roles", "created_at"]


class MeAPI(APIView):
    """The logged-in person and the cooperatives they belong to, with their roles in each."""

    def get(self, request):
        data = UserSerializer(request.user).data
        data["memberships"] = MyMembershipSerializer(selectors.memberships_of_user(request.user), many=True).data
        return Response(data)

    def get_serializer(self, *args, **kwargs):  # used by drf-spectacular for the schema
        return UserSerializer(*args, **kwargs)


class MemberListAPI(CoopAPIMixin, ListAPIView):
    serializer_class = MemberSerializer
    required_roles = MANAGER_ROLES

    def get_queryset(self):
        return selectors.membership_list()
