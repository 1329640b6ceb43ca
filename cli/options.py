"""Options and helpers shared by every ``cpas`` command."""

from __future__ import annotations

import os

import click

from cpas.sdk.text import Lang, parse_lang

__all__ = ["FORMAT_OPTION", "LANG_OPTION", "default_lang"]


def default_lang() -> Lang:
    """The language of messages: ``CPAS_LANG``, else ``LANG``, else French."""
    return parse_lang(os.environ.get("CPAS_LANG") or os.environ.get("LANG") or "fr")


LANG_OPTION = click.option(
    "--lang", type=click.Choice(["fr", "nl", "en"]), default=None,
    help="Language of messages (default: from CPAS_LANG or LANG, else fr).")
FORMAT_OPTION = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="text for people, json for programs.")
