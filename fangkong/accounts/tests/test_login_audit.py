from fangkong.accounts.tests.factories import PASSWORD
from fangkong.core.models import AuditEvent


def test_logins_and_failed_logins_are_audited_for_the_county(client, users):
    assert (
        client.post("/accounts/login/", {"username": "cadre", "password": "wrong"}).status_code
        == 200
    )
    assert (
        client.post("/accounts/login/", {"username": "cadre", "password": PASSWORD}).status_code
        == 302
    )
    failed = AuditEvent.objects.get(action="login_failed")
    assert failed.detail == "cadre" and failed.user is None and failed.area == users["cadre"].area
    assert failed.ip == "127.0.0.1"
    login = AuditEvent.objects.get(action="login")
    assert login.user == users["cadre"]
    # the county administrator sees both on the audit page; a stranger's admin would not
    visible = set(
        AuditEvent.objects.for_user(users["county_admin"]).values_list("action", flat=True)
    )
    assert {"login", "login_failed"} <= visible
    assert not AuditEvent.objects.for_user(users["stranger"]).filter(action="login_failed").exists()
