"""The YAML built from libyaml's events is exactly what PyYAML's safe C loader builds."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver import ScenarioError, fast_yaml, parsing, resources
from mockserver.parsing import parse_document

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import make_scenario  # noqa: E402

# Each is built by the fast path: plain YAML, whatever its scalars mean in YAML 1.1.
PLAIN = {
    "booleans": "a: [yes, no, on, off, y, n, Yes, NO, true, False, TRUE, ON, Off]\n",
    "quoted booleans": "a: ['yes', \"no\", 'on', \"off\", 'true']\n",
    "octal and hex": "a: [0777, 0o17, 0x1F, -0x1f, 0b101, 010, 08, 09.5, +12, -0]\n",
    "underscores": "a: [1_000, 1_000.5, 0b1_0, 0x_1F, _1, 1__0]\n",
    "sexagesimal": "a: [1:20, 190:20:30, 1:20.5, -1:30, '1:20', 1:2:3:4]\n",
    "floats": (
        "a: [1.5, .5, 1e3, 1.0e+3, 6.8523015e+5, -.inf, .Inf, +.INF, .nan, .NaN, 1., 1e, 3.]\n"
    ),
    "timestamps": (
        "a: [2026-01-01, 2026-1-1, 2026-01-01T10:00:00Z, 2026-01-01 10:00:00, "
        "2026-01-01t10:00:00.123456789+05:30, 2026-01-01T10:00:00-8, '2026-01-01', "
        "2026-01-01T00:00:00.000Z, 2026-01-01T10:00:00 +01:00]\n"
    ),
    "nulls": "a: [~, null, Null, NULL, nul, '', \"~\", 'null']\nb:\nc: ~\n",
    "empty document": "",
    "only a comment": "# nothing here\n",
    "explicit empty document": "---\n...\n",
    "a bare scalar": "just text\n",
    "a bare date": "2026-01-01\n",
    "comments": "# head\na: 1 # trailing\n# between\nb: 'x # not a comment'\n",
    "block literal": "a: |\n  line one\n  line two\n\nb: |-\n  kept\nc: |+\n  tail\n\n",
    "folded": "a: >\n  folded\n  text\n\n  para\nb: >-\n  x\n",
    "duplicate keys": "a: 1\nb: 2\na: 3\n",
    "duplicate keys of other types": "1: one\ntrue: yes\n1.0: float\n~: n\nnull: m\n",
    "int, bool and null keys": "{1: a, 0x10: b, yes: c, ~: d, 2026-01-01: e, 1.5: f}\n",
    "flow collections": "a: {b: [1, 2, {c: d}], e: []}\nf: [[], {}, [[x]]]\n",
    "unicode": "name: Zoë ünïcødé\nemoji: \"\\U0001F600 \\u00e9\"\nkey ✓: ✓\n",
    "tabs in quoted strings": 'a: "tab\\there"\nb: \'lit\teral\'\n',
    "a tab after a value": "a: 1\t\nb: x\t# c\n",
    "quoted vs plain numbers": "a: ['1', \"2\", 3, '0777', 0777, '1:20', 1:20]\n",
    "escapes": 'a: "line\\nnext\\ttab\\\\ \\x41 \\u263A \\0 \\a \\e \\N \\_ \\L \\P"\n',
    "multi-line plain": "a: one\n  two\n  three\nb: x\n",
    "empty values": "a:\nb: []\nc: {}\nd: ''\n",
    "sequence of mappings": "- a: 1\n  b: 2\n- c: 3\n-\n- - nested\n  - list\n",
    "question mark key": "? plain key\n: value\n",
    "long key": "? " + "k" * 50 + "\n: v\n",
    "scalar at the top after ---": "--- text\n",
    "a version directive": "%YAML 1.1\n---\na: 1\n",
    "plain specials": "a: [-, '-', -1, +, ., ..., a:b, 'a: b', http://x.y/z?q=1#f]\n",
    "merge-like quoted keys": "'<<': 1\n\"=\": 2\n",
    "windows line ends": "a: 1\r\nb: [x, y]\r\n",
    "a byte-order mark": "\ufeffa: 1\n",
}
# Each falls back to PyYAML's own loader: anchors, aliases, tags, merge keys, several documents.
UNUSUAL = {
    "anchor and alias": "a: &x 1\nb: *x\n",
    "anchored mapping": "base: &b {x: 1}\nc: *b\n",
    "merge key": "base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n",
    "merge key without an alias": "c:\n  <<: {x: 1}\n  y: 2\n",
    "value key": "a:\n  =: 1\n",
    "a bare equals sign": "a: =\n",
    "a bare merge sign": "a: <<\n",
    "explicit str tag": "a: !!str 1\n",
    "explicit int tag": "a: !!int '7'\n",
    "a non-specific tag": "a: ! 1\n",
    "a local tag": "a: !thing 1\n",
    "a binary": "a: !!binary aGVsbG8=\n",
    "a set": "a: !!set {x, y}\n",
    "an omap": "a: !!omap [x: 1, y: 2]\n",
    "a tagged mapping": "a: !!map {x: 1}\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "two documents, the second broken": "a: 1\n---\n[\n",
    "a mapping as a key": "? {a: 1}\n: x\n",
    "a sequence as a key": "? [a]\n: x\n",
    "a flow mapping as a key": "{[a, b]: c}\n",
    "an unknown python tag": "a: !!python/object:os.system x\n",
    "a month 13 date": "a: 2026-13-01\n",
    "a day 32 timestamp": "a: 2026-01-32T00:00:00Z\n",
}
MALFORMED = {
    "unclosed flow": "a: [1, 2\n",
    "bad indentation": "a:\n  b: 1\n c: 2\n",
    "a tab as indentation": "a:\n\tb: 1\n",
    "unclosed quote": "a: 'open\n",
    "an undefined alias": "a: *nothing\n",
    "a duplicate anchor": "a: &x 1\nb: &x 2\nc: *x\n",
    "a colon in a flow key": "{a: b: c}\n",
    "a bad escape": 'a: "\\q"\n',
    "too deep": "[" * 1100 + "]" * 1100,
    "a stray document end": "a: 1\n... x\n",
    "a key with no value in a sequence": "- a\nb: 1\n",
}


def same(a: Any, b: Any) -> bool:
    """Equal, with equal types all the way down (1 is not True, nor 1.0), and NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            same(ka, kb) and same(a[ka], b[kb]) for ka, kb in zip(a, b, strict=True)
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def pyyaml(text: str) -> Any:
    return yaml.load(text, Loader=yaml.CSafeLoader)


def outcome(text: str) -> tuple[str, Any]:
    """What parse_document makes of the text: ("ok", value) or ("error", its exact words)."""
    try:
        return "ok", parse_document(text.encode("utf-8"), "case.yaml")
    except ScenarioError as exc:
        return "error", str(exc)
    except Exception as exc:  # noqa: BLE001 - an escape is compared like any other outcome
        return "raised", f"{type(exc).__name__}: {exc}"


def outcome_without_fast_path(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Any]:
    """parse_document as it was: PyYAML's own loader for everything."""
    with monkeypatch.context() as patch:
        patch.setattr(fast_yaml, "load", _always_unusual)
        return outcome(text)


def _always_unusual(text: str) -> Any:
    raise fast_yaml.Unusual("the path under test is turned off")


def assert_same_outcome(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, old = outcome(text), outcome_without_fast_path(text, monkeypatch)
    assert fast[0] == old[0], (fast, old)
    assert same(fast[1], old[1]), (fast, old)


def test_libyaml_and_the_stock_safe_loader_are_there():
    # Otherwise every case below would pass by falling back, and test nothing.
    assert fast_yaml.available()


@pytest.mark.parametrize("text", PLAIN.values(), ids=PLAIN.keys())
def test_plain_yaml_is_built_by_the_fast_path_exactly_as_pyyaml_builds_it(text):
    assert same(fast_yaml.load(text), pyyaml(text))


@pytest.mark.parametrize("text", PLAIN.values(), ids=PLAIN.keys())
def test_plain_yaml_parses_to_the_same_document(text, monkeypatch):
    assert_same_outcome(text, monkeypatch)


@pytest.mark.parametrize("text", UNUSUAL.values(), ids=UNUSUAL.keys())
def test_unusual_yaml_is_left_to_pyyaml(text, monkeypatch):
    with pytest.raises(Exception):  # noqa: B017 - Unusual, or the construction's own error
        fast_yaml.load(text)
    assert_same_outcome(text, monkeypatch)


@pytest.mark.parametrize("text", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_yaml_gives_the_same_error(text, monkeypatch):
    fast, old = outcome(text), outcome_without_fast_path(text, monkeypatch)
    assert fast == old and fast[0] == "error", (fast, old)


def test_an_error_is_worded_by_pyyaml_with_its_line():
    with pytest.raises(ScenarioError) as caught:
        parse_document(b"a: 1\nb: [1, 2\nc: 3\n", "case.yaml")
    assert str(caught.value).startswith("case.yaml: line ")
    assert "not valid YAML (" in str(caught.value)


FILES = sorted(resources.fixtures_dir().glob("*.yaml")) + [resources.spec_path()]


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_shipped_document_is_built_by_the_fast_path_exactly(path, monkeypatch):
    text = path.read_text(encoding="utf-8")
    assert same(fast_yaml.load(text), pyyaml(text))
    assert_same_outcome(text, monkeypatch)


def test_the_bench_scenario_is_built_by_the_fast_path_exactly(monkeypatch):
    text = make_scenario.scenario_text(60, make_scenario.document_platforms())
    assert same(fast_yaml.load(text), pyyaml(text))
    # Large enough that PyYAML's path repacks it: the values stay the same.
    monkeypatch.setattr(parsing, "REPACK_BYTES", 1024)
    assert_same_outcome(text, monkeypatch)


def test_plain_scalars_share_one_value_per_text():
    # The memo: a key that repeats is one string object, which is what keeps big files small.
    first, second = fast_yaml.load("- {name: x}\n- {name: y}\n")
    assert next(iter(first)) is next(iter(second))


TOKENS = [
    "a", "b", "key", ": ", ":", " ", "  ", "\n", "\n  ", "\n- ", "- ", "[", "]", "{", "}", ", ",
    "'", '"', "#", "&x ", "*x", "!!str ", "!t ", "<<", "=", "|", ">", "\t", "? ", "---\n",
    "...\n", "yes", "No", "0777", "1_0", "1:20", "2026-01-01", "2026-01-01T10:00:00Z", "~",
    ".inf", ".nan", "-1.5e3", "0x1f", "null", "\\", "é", "%", "@", "`",
]


@settings(max_examples=400, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(TOKENS), max_size=24).map("".join))
def test_random_yaml_like_texts_parse_the_same(text):
    fast = outcome(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fast_yaml, "load", _always_unusual)
        old = outcome(text)
    assert fast[0] == old[0], (text, fast, old)
    assert same(fast[1], old[1]), (text, fast, old)
