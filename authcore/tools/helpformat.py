"""The help layout of the authcore commands that take numbers: the module's docstring as written,
and every option's default after its help text."""

from __future__ import annotations

import argparse


class DefaultsHelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Shows "(default: X)" after each option that has a default (none after flags that are off
    and options without a default; a help text that names its default keeps its own words)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)
