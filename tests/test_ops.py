"""What operators and load balancers rely on: health, request ids, logs."""

from __future__ import annotations

import logging
from pathlib import Path

from starlette.routing import Route
from starlette.testclient import TestClient

from forum.app import create_app
from forum.db import Database
from tests.conftest import make_settings


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok"


def test_healthz_answers_503_when_the_database_is_down(tmp_path: Path):
    url = "postgresql://nobody@127.0.0.1:1/none"
    db = Database(url)
    app = create_app(make_settings(url, tmp_path), database=db)
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503


def test_every_response_carries_a_request_id_and_one_access_log_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="forum.access"):
        response = client.get("/b/arm?x=1")
    request_id = response.headers["x-request-id"]
    lines = [r.getMessage() for r in caplog.records if r.name == "forum.access"]
    assert len(lines) == 1
    assert '"GET /b/arm?x=1" 200' in lines[0]
    assert f"id={request_id}" in lines[0]


def test_an_unexpected_error_shows_the_request_id_that_the_log_has(app, caplog):
    def boom(request):
        raise RuntimeError("kaboom")

    app.router.routes.insert(0, Route("/boom", boom))
    with TestClient(app, raise_server_exceptions=False) as client, caplog.at_level(logging.ERROR, logger="forum"):
        response = client.get("/boom")
        api_response = client.get("/boom", headers={"accept": "application/json"})
    assert response.status_code == 500
    request_id = response.headers["x-request-id"]
    assert request_id in response.text
    assert "kaboom" not in response.text
    assert any(request_id in r.getMessage() and r.exc_info for r in caplog.records)
    assert api_response.status_code == 500


def test_pages_send_security_headers(client):
    response = client.get("/")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_unknown_pages_are_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is nothing at this address." in response.text
