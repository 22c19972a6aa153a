"""The JSON cache of parsed documents: exact bytes in, equal document out, never stale."""

from __future__ import annotations

import datetime
import json
import os

import pytest

from mockserver import SpecError, jsoncache, resources
from mockserver.spec import Spec


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private cache folder for the test."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(jsoncache.ENVIRONMENT, str(folder))
    return folder


def test_a_stored_document_comes_back_equal(cache):
    document = {"a": [1, 2.5, None, True], "b": {"ü": "ß"}}
    jsoncache.put("k", document)
    assert jsoncache.get("k") == document


def test_keys_differ_when_the_parts_are_split_differently():
    assert jsoncache.key(b"ab", b"c") != jsoncache.key(b"a", b"bc")
    assert jsoncache.key(b"ab", b"c") == jsoncache.key(b"ab", b"c")


@pytest.mark.parametrize("document", [
    {"when": datetime.date(2026, 5, 1)},  # a YAML date
    {1: "an integer key"},
    {"n": float("nan")},
], ids=["date", "integer key", "nan"])
def test_what_json_cannot_give_back_equal_is_not_stored(cache, document):
    jsoncache.put("k", document)
    assert jsoncache.get("k") is None


def test_an_empty_setting_turns_the_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv(jsoncache.ENVIRONMENT, "")
    monkeypatch.chdir(tmp_path)
    jsoncache.put("k", {"a": 1})
    assert jsoncache.get("k") is None and list(tmp_path.iterdir()) == []


def test_a_folder_that_cannot_be_written_means_no_cache(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(jsoncache.ENVIRONMENT, str(blocker / "cache"))
    jsoncache.put("k", {"a": 1})
    assert jsoncache.get("k") is None


def test_a_corrupt_entry_is_a_miss(cache):
    jsoncache.put("k", {"a": 1})
    (cache / "k.json").write_text('{"a": ')
    assert jsoncache.get("k") is None


def test_only_the_newest_entries_are_kept(cache, monkeypatch):
    monkeypatch.setattr(jsoncache, "LIMIT", 3)
    for index in range(5):
        jsoncache.put(f"k{index}", {"i": index})
        os.utime(cache / f"k{index}.json", ns=(index * 10**9, index * 10**9))
    jsoncache.put("k5", {"i": 5})
    assert sorted(p.name for p in cache.iterdir()) == ["k3.json", "k4.json", "k5.json"]


def test_the_spec_is_cached_and_an_edit_is_never_served_stale(cache, tmp_path):
    text = resources.spec_path().read_text(encoding="utf-8")
    copy = tmp_path / "openapi.yaml"
    copy.write_text(text, encoding="utf-8")
    first = Spec.load(copy)
    stored = [json.loads(p.read_text(encoding="utf-8")) for p in cache.glob("*.json")]
    assert stored == [first.document]
    copy.write_text(text.replace("title: ", "title: Edited ", 1), encoding="utf-8")
    edited = Spec.load(copy)
    assert edited.document["info"]["title"] == "Edited " + first.document["info"]["title"]
    assert Spec.load(copy).document == edited.document  # now from the cache


def test_a_document_that_is_not_utf8_is_one_sentence(cache, tmp_path):
    bad = tmp_path / "openapi.yaml"
    bad.write_bytes(b"openapi: 3.1.0\ninfo: {title: \xff}\n")
    with pytest.raises(SpecError, match=r"openapi.yaml: not UTF-8 \(byte 29\)"):
        Spec.load(bad)
