import pytest

from engagement.normalize import has_japanese, normalize_email, normalize_name


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("DISCO", "disco"),
        ("ＤＩＳＣＯ Corp.", "disco"),
        ("Disco Corporation", "disco"),
        ("株式会社ディスコ", "ディスコ"),
        ("ディスコ株式会社", "ディスコ"),
        ("(株)ディスコ", "ディスコ"),
        ("㈱ディスコ", "ディスコ"),
        ("ﾃﾞｨｽｺ", "ディスコ"),
        ("Tokyo Electron Limited", "tokyoelectron"),
        ("TOKYO ELECTRON CO., LTD.", "tokyoelectron"),
        ("Inari Amertron Berhad", "inariamertron"),
        ("Penang Semi Sdn. Bhd.", "penangsemi"),
        ("UTAC Holdings Pte. Ltd.", "utacholdings"),
        ("PT Len Industri (Persero) Tbk", "lenindustripersero"),
        ("Hana Microelectronics Public Company Limited", "hanamicroelectronics"),
        ("Viettel High Tech JSC", "viettelhightech"),
        ("Viettel High Tech Joint Stock Company", "viettelhightech"),
        ("  Ajinomoto   Fine-Techno  ", "ajinomotofinetechno"),
        ("Corporation", "corporation"),
        ("", ""),
    ],
)
def test_spellings_of_one_name_share_a_key(raw, key):
    assert normalize_name(raw) == key


def test_email_is_folded_to_lower_case_half_width():
    assert normalize_email("  Ｔａｒｏ.Yamada@Example.COM ") == "taro.yamada@example.com"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("レジスト", True),
        ("感光材", True),
        ("ｶﾅ", True),
        ("EUV resist", False),
        ("", False),
    ],
)
def test_japanese_text_is_recognised(text, expected):
    assert has_japanese(text) is expected
