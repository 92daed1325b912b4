"""The settings registry: every feature's keys can be set, shown, validated and unset."""

import json
import os

import pytest

from litreview import settings
from litreview.cli import cli
from litreview.errors import SettingError


def test_registry_holds_every_features_keys():
    keys = settings.registry()
    assert {"screening.reviewers", "screening.reasons", "prisma.other_methods",
            "prisma.previous_studies", "prisma.previous_reports"} <= set(keys)
    assert all(setting.help for setting in keys.values())


def test_validate_refuses_unknown_keys_and_bad_values():
    with pytest.raises(SettingError, match="unknown setting 'prisma.colour'; known settings: .*prisma.other"):
        settings.validate("prisma.colour", "red")
    with pytest.raises(SettingError, match="prisma.previous_studies: 'twelve' is not a whole number"):
        settings.validate("prisma.previous_studies", "twelve")
    with pytest.raises(SettingError, match="screening.maybe: 'perhaps'; expected include or exclude"):
        settings.validate("screening.maybe", "perhaps")
    assert settings.validate("prisma.previous_studies", "12") == "12"


def test_value_reads_parsed_or_default(library):
    assert settings.value(library, "screening.reviewers") == {"ta": 1, "ft": 1}
    assert settings.value(library, "prisma.previous_studies") is None
    library.set_setting("prisma.other_methods", "Citation searching, Websites")
    assert settings.value(library, "prisma.other_methods") == ["Citation searching", "Websites"]


def test_a_hand_edited_bad_value_is_a_clear_error(library):
    library.set_setting("screening.reviewers", "7")
    with pytest.raises(SettingError, match="screening.reviewers: '7'; expected 1 or 2"):
        settings.value(library, "screening.reviewers")


def test_cli_sets_prisma_settings_and_prisma_reads_them(runner):
    made = f"Note: there was no library at {os.environ['LITREVIEW_DB']}; made a new one\n"
    for key, value in (("prisma.other_methods", "Citation searching,Websites"),
                       ("prisma.previous_studies", "12"), ("prisma.previous_reports", "15")):
        result = runner.invoke(cli, ["settings", "set", key, value])
        assert result.exit_code == 0, result.output
        assert result.output == f"{made}{key} = {value}\n"
        made = ""  # said once: the first setting made the library
    shown = runner.invoke(cli, ["settings", "show"]).output
    assert "prisma.other_methods = Citation searching,Websites    # comma-separated sources" in shown
    assert "screening.maybe = include    # what a maybe means" in shown
    counts = json.loads(runner.invoke(cli, ["prisma", "--format", "json"]).output)
    assert (counts["previous_studies"], counts["previous_reports"]) == (12, 15)
    result = runner.invoke(cli, ["settings", "unset", "prisma.previous_studies"])
    assert result.exit_code == 0 and "prisma.previous_studies =" in result.output
    result = runner.invoke(cli, ["settings", "unset", "prisma.previous_reports"])
    counts = json.loads(runner.invoke(cli, ["prisma", "--format", "json"]).output)
    assert "previous_studies" not in counts


def test_cli_refuses_bad_prisma_values_without_storing(runner):
    result = runner.invoke(cli, ["settings", "set", "prisma.previous_studies", "3.5"])
    assert result.exit_code == 1
    assert result.output == ("Error: prisma.previous_studies: '3.5' is not a whole number "
                             "(expected 0 or more, or empty to unset)\n")
    assert "prisma.previous_studies = " + "   " in runner.invoke(cli, ["settings", "show"]).output
    result = runner.invoke(cli, ["settings", "unset", "nothing.here"])
    assert result.exit_code == 1 and "unknown setting 'nothing.here'" in result.output
