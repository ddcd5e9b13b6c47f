"""Staff pages need a password *and* a confirmed TOTP device; the admin too."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from common.forms import NO_DEVICE

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
LOGIN = "/staff/login/"


def code(device: TOTPDevice, *, drift: int = 0) -> str:
    return f"{totp(device.bin_key, t0=device.t0, step=device.step, drift=drift):06d}"


def post_login(client, username: str, password: str = PASSWORD, token: str = "000000", **extra):
    return client.post(
        LOGIN, {"username": username, "password": password, "otp_token": token}, **extra
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def assert_sent_to_login(response, path: str) -> None:
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={path}"


def test_anonymous_is_sent_to_login(client):
    assert_sent_to_login(client.get("/staff/audit/"), "/staff/audit/")


def test_staff_without_a_device_cannot_sign_in(client):
    get_user_model().objects.create_user("nodevice", password=PASSWORD, is_staff=True)
    response = post_login(client, "nodevice", token="123456")
    assert response.status_code == 200
    assert NO_DEVICE.encode() in response.content.replace(b"&#x27;", b"'")
    assert not signed_in(client)
    assert_sent_to_login(client.get("/staff/audit/"), "/staff/audit/")


def test_staff_with_an_unconfirmed_device_cannot_sign_in(client):
    user = get_user_model().objects.create_user("pending", password=PASSWORD, is_staff=True)
    device = TOTPDevice.objects.create(user=user, name="new", confirmed=False)
    response = post_login(client, "pending", token=code(device))
    assert response.status_code == 200
    assert not signed_in(client)


def test_password_alone_does_not_open_staff_pages(client, staff_factory):
    user, _ = staff_factory("auditor")
    client.force_login(user)  # first factor only
    assert_sent_to_login(client.get("/staff/audit/"), "/staff/audit/")


def test_wrong_code_is_refused(client, staff_factory):
    user, device = staff_factory("auditor")
    response = post_login(client, user.username, token=code(device, drift=-10))
    assert response.status_code == 200
    assert b"Invalid token" in response.content
    assert not signed_in(client)


def test_wrong_password_with_right_code_is_refused(client, staff_factory):
    user, device = staff_factory("auditor")
    response = post_login(client, user.username, password="wrong password!", token=code(device))
    assert response.status_code == 200
    assert not signed_in(client)


def test_right_password_and_code_reach_staff_pages(client, staff_factory):
    user, device = staff_factory("auditor")
    response = post_login(client, user.username, token=code(device))
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/staff/audit/")
    assert page.status_code == 200
    assert b"Audit log" in page.content
    assert b"Staff sign out" in client.get("/").content  # staff navigation shows


def test_next_is_followed_only_on_this_host(client, staff_factory):
    user, device = staff_factory("auditor")
    response = client.post(
        f"{LOGIN}?next=https://evil.example/",
        {"username": user.username, "password": PASSWORD, "otp_token": code(device)},
    )
    assert response["Location"] == "/"
    client.post("/staff/logout/")
    user2, device2 = staff_factory("auditor")
    response = client.post(
        f"{LOGIN}?next=/staff/audit/",
        {"username": user2.username, "password": PASSWORD, "otp_token": code(device2)},
    )
    assert response["Location"] == "/staff/audit/"


def test_non_staff_cannot_pass_staff_login(client):
    user = get_user_model().objects.create_user("member", password=PASSWORD, is_staff=False)
    device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    response = post_login(client, "member", token=code(device))
    assert response.status_code == 200
    assert b"This login is for staff only." in response.content
    assert not signed_in(client)


def test_logout_needs_post_and_ends_the_session(client, staff_factory, verified_client):
    user, device = staff_factory("auditor")
    verified_client(user, device)
    assert client.get("/staff/logout/").status_code == 405
    assert client.post("/staff/logout/").status_code == 302
    assert_sent_to_login(client.get("/staff/audit/"), "/staff/audit/")


def test_admin_requires_the_second_factor(client, staff_factory):
    assert client.get("/admin/").status_code == 302
    user, device = staff_factory("auditor")
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    # Password alone on the admin's own login form is not enough either.
    response = client.post(
        "/admin/login/?next=/admin/", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 200
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": user.username, "password": PASSWORD, "otp_token": code(device)},
    )
    assert response.status_code == 302, response.content
    assert client.get("/admin/").status_code == 200


def test_login_is_rate_limited_after_ten_bad_posts(client, staff_factory):
    user, _ = staff_factory("auditor")
    for _ in range(10):
        assert post_login(client, user.username, password="nope nope nope").status_code == 200
    limited = post_login(client, user.username, password="nope nope nope")
    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert client.get(LOGIN).status_code == 200  # the page itself still shows
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert post_login(other, user.username).status_code == 200  # counted per address


def test_csrf_is_enforced_on_staff_login(staff_factory):
    user, device = staff_factory("auditor")
    strict = Client(enforce_csrf_checks=True)
    assert post_login(strict, user.username, token=code(device)).status_code == 403
    assert not signed_in(strict)
    strict.get(LOGIN)  # sets the CSRF cookie
    token = strict.cookies["csrftoken"].value
    response = strict.post(
        LOGIN,
        {
            "username": user.username,
            "password": PASSWORD,
            "otp_token": code(device),
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302


def test_rate_limit_counts_the_address_a_trusted_proxy_reports(settings, staff_factory):
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    user, _ = staff_factory("auditor")
    proxy = Client()  # every request arrives from the proxy's own address
    for _ in range(11):
        last = post_login(proxy, user.username, password="nope nope", HTTP_X_REAL_IP="192.0.2.1")
    assert last.status_code == 429
    assert post_login(proxy, user.username, HTTP_X_REAL_IP="192.0.2.2").status_code == 200


def test_staff_create_recreates_missing_role_groups():
    from django.contrib.auth.models import Group

    from common.auth import user_has_role
    from common.services.staff import staff_create

    Group.objects.all().delete()  # as after a transactional test's flush
    user, _ = staff_create(
        username="reviewer", password=PASSWORD, roles=["payout_reviewer"], actor="test"
    )
    assert user_has_role(user, "payout_reviewer")
    assert not user_has_role(user, "custody_admin")
