"""Shared fixtures: the app factory under TESTING (responses validated), and its test client."""

from __future__ import annotations

import pytest

from mockserver import create_app

DEMO_KEY = "pn-demo-key"
EMPTY_KEY = "pn-empty-key"
OTHER_KEY = "pn-other-key"
UNPAID_KEY = "pn-unpaid-key"
PAGE_ACCOUNT_ID = "cmqi7jyir0003v0m91hxnyyaq"
OTHER_ACCOUNT_ID = "cmqi7kq4m000bv0m9z8r5n3wc"


@pytest.fixture
def app():
    """A stub on the default scenario that checks every response against openapi.yaml."""
    return create_app({"TESTING": True})


@pytest.fixture
def client(app):
    """A Flask test client for `app`."""
    return app.test_client()


@pytest.fixture
def demo(client):
    """A function that sends a request with the demo workspace's key."""

    def send(method: str, path: str, key: str = DEMO_KEY, **kwargs):
        headers = kwargs.pop("headers", {})
        if key is not None:
            headers.setdefault("embed-api-key", key)
        return client.open(path, method=method, headers=headers, **kwargs)

    return send
