"""uploads: a paste over its limit is refused, and the refusal names the file limit the engine enforces."""

from __future__ import annotations

import pytest

from resnet_demo.errors import ImageError
from resnet_demo.images import MAX_FILE_BYTES, MAX_FILE_MB
from resnet_demo.ui.messages import engine_detail
from resnet_demo.ui.uploads import MAX_PASTE_BYTES, save_data_url


def test_a_large_paste_is_refused_with_both_limits(tmp_path):
    body = "A" * ((MAX_PASTE_BYTES * 4) // 3 + 8)
    with pytest.raises(ImageError) as info:
        save_data_url("data:image/png;base64," + body, tmp_path)
    assert info.value.reason == "paste_too_large"
    assert info.value.facts == {"limit": MAX_PASTE_BYTES // 2**20, "upload_limit": MAX_FILE_MB}
    assert f"up to {MAX_FILE_MB} MB" in str(info.value)
    assert MAX_FILE_BYTES == MAX_FILE_MB * 2**20
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize("lang, words", [("en", "up to 7 MB"), ("zh-CN", "最大 7 MB")])
def test_the_pages_word_the_upload_limit_they_are_given(lang, words):
    """The sentence takes the limit from the error's facts, never a number of its own."""
    error = ImageError("too large", reason="paste_too_large", limit=3, upload_limit=7)
    assert words in engine_detail(error, lang)
