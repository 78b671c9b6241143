import pytest


@pytest.mark.django_db
def test_signin_page_renders(client):
    response = client.get("/signin")
    assert response.status_code == 200
    assert b"Sign in to Keyward" in response.content
