"""Story: the base URL answers HTTP at all. If not, this is the one failure and the rest skip."""


def test_the_base_url_answers_http(contract_target):
    """Unreachable, TLS errors and timeouts are reported here, once, in one sentence."""
    if contract_target.unreachable is not None:
        raise contract_target.unreachable
