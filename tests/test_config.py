"""Settings: environment over the config file; a malformed file is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from litreview.config import ncbi_settings
from litreview.errors import ConfigError


def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    path = tmp_path / "litreview.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("LITREVIEW_CONFIG", str(path))
    for name in ("NCBI_EMAIL", "NCBI_API_KEY", "LITREVIEW_EUTILS_URL"):
        monkeypatch.delenv(name, raising=False)


def test_environment_over_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _config(tmp_path, monkeypatch, '[ncbi]\nemail = "file@example.org"\napi_key = "fromfile"\n'
                                   'eutils_url = "http://127.0.0.1:9/eutils/"\n')
    monkeypatch.setenv("NCBI_API_KEY", "fromenv")
    settings = ncbi_settings()
    assert (settings.email, settings.api_key) == ("file@example.org", "fromenv")
    assert settings.eutils_url == "http://127.0.0.1:9/eutils"
    assert "fromenv" not in repr(settings)


@pytest.mark.parametrize("text,says", [
    ("[ncbi]\napi_key = 123456789\n", "[ncbi] api_key must be a string in quotes"),
    ('ncbi = "x"\n', "'ncbi' must be a table"),
    ("[ncbi\n", "not valid TOML"),
])
def test_malformed_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str,
                               says: str) -> None:
    _config(tmp_path, monkeypatch, text)
    with pytest.raises(ConfigError, match="litreview.toml") as caught:
        ncbi_settings()
    assert says in str(caught.value) and "123456789" not in str(caught.value)
