"""Contract tests: check any base URL of the Social Accounts API against openapi.yaml."""
