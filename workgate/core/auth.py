"""Sign-in by username or by mobile number (what people on the factory floor remember)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from workgate.core.phones import normalise_mobile


def find_user(identifier: str) -> Any:
    """The user whose username, or failing that mobile number, is `identifier`."""
    user_model = get_user_model()
    identifier = identifier.strip()
    if not identifier:
        return None
    user = user_model.objects.filter(username=identifier).first()
    if user is None and (mobile := normalise_mobile(identifier)):
        user = user_model.objects.filter(mobile=mobile).first()
    return user


class UsernameOrMobileBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if not username or password is None:
            return None
        user_model = get_user_model()
        user = find_user(username)
        if user is None:
            # Run the hasher anyway so that timing does not reveal which accounts exist.
            user_model().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
