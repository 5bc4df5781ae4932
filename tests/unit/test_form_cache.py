"""The blank form is rendered once per key; every response gets its own token and key."""

from __future__ import annotations

from portal.citizen.form_cache import CSRF_SLOT, KEY_SLOT, BlankFormCache


def test_renders_once_and_fills_fresh_values_each_time():
    renders = []

    def render(csrf, key):
        renders.append((csrf, key))
        return f"<input name=csrf_token value={csrf}><input name=submission_key value={key}>"

    cache = BlankFormCache()
    first = cache.page(("/q/X", "id", "v1"), render, "token-a")
    second = cache.page(("/q/X", "id", "v1"), render, "token-b")
    assert renders == [(CSRF_SLOT, KEY_SLOT)]
    assert "value=token-a" in first and "value=token-b" in second
    key_of = lambda html: html.rsplit("value=", 1)[1].rstrip(">")  # noqa: E731
    assert key_of(first) != key_of(second) and len(key_of(first)) >= 24


def test_other_language_or_routing_version_renders_again_and_old_pages_are_dropped():
    cache = BlankFormCache(max_pages=2)
    count = 0

    def render(csrf, key):
        nonlocal count
        count += 1
        return csrf + key

    for key in (("/q/X", "id", "v1"), ("/q/X", "en", "v1"), ("/q/X", "id", "v2")):
        cache.page(key, render, "t")
    assert count == 3
    cache.page(("/q/X", "id", "v1"), render, "t")  # evicted as the oldest: rendered again
    assert count == 4
