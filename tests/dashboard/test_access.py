"""Who may open the dashboard: login required, a membership required."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.dashboard.builders import logged_in
from tests.factories import UserFactory

PAGES = [
    ("dashboard:home", []),
    ("dashboard:orders", []),
    ("dashboard:order_detail", [1]),
    ("dashboard:stock", []),
    ("dashboard:account_status", [1]),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "args"), PAGES)
def test_every_dashboard_page_redirects_anonymous_users_to_login(client, name, args):
    url = reverse(name, args=args)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "next=" in response["Location"]


@pytest.mark.django_db
def test_sync_post_redirects_anonymous_users_to_login(client, account):
    response = client.post(reverse("dashboard:account_sync", args=[account.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not account.sync_runs.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["dashboard:home", "dashboard:orders", "dashboard:stock"])
def test_user_without_a_merchant_sees_the_no_merchant_page(name):
    client = logged_in(UserFactory())

    response = client.get(reverse(name))

    assert response.status_code == 403
    assert "not part of a merchant yet" in response.content.decode()
    assert "dashboard/no_merchant.html" in [t.name for t in response.templates]


@pytest.mark.django_db
def test_login_page_renders_a_form_and_logs_in(client, owner):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="username"' in body
    assert 'type="password"' in body

    response = client.post(reverse("login"), {"username": owner.user.username, "password": "pw"})

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")


@pytest.mark.django_db
def test_login_page_shows_an_error_for_a_wrong_password(client, owner):
    response = client.post(reverse("login"), {"username": owner.user.username, "password": "wrong"})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


@pytest.mark.django_db
def test_base_layout_shows_nav_merchant_and_a_logout_post_form(owner_client, owner):
    body = owner_client.get(reverse("dashboard:orders")).content.decode()

    for label in ("Connectors", "Orders", "Stock"):
        assert f">{label}</a>" in body
    assert owner.merchant.name in body
    assert owner.user.username in body
    assert f'<form method="post" action="{reverse("logout")}"' in body
    assert 'aria-current="page">Orders' in body


@pytest.mark.django_db
def test_logout_is_a_post_that_ends_the_session(owner_client):
    response = owner_client.post(reverse("logout"))

    assert response.status_code == 302
    assert owner_client.get(reverse("dashboard:home")).status_code == 302
