from kefu.helpcenter.search.text import normalize, segment, tokenize


def test_full_width_and_traditional_are_folded():
    assert normalize("ＵＳＤＴ　提幣") == "usdt 提币"


def test_chinese_is_segmented_without_spaces_and_keeps_domain_words():
    tokens = tokenize("我的USDT充值三个小时了还没到账")
    assert "usdt" in tokens
    assert "充值" in tokens
    assert "到账" in tokens
    assert "的" not in tokens  # stop word


def test_english_words_are_stemmed():
    assert tokenize("withdrawals") == tokenize("withdraw") == ["withdraw"]
    assert "deposit" in tokenize("Deposits credited")


def test_segment_keeps_stop_words_tokenize_drops_them():
    assert "how" in segment("how do I freeze")
    assert tokenize("how do I freeze") == ["freez"]
