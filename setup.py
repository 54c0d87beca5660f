"""Packaging hook: compile the gettext catalogs (.po → .mo) into the built package.

The .mo files are build products and not committed; `make` compiles them in a work tree, and this
does the same for a wheel or sdist install. (bot.i18n also compiles a missing .mo in memory.)
Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted(Path(self.build_lib, "locales").glob("*/LC_MESSAGES/*.po")):
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=po.parent.parent.name)
            with po.with_suffix(".mo").open("wb") as handle:
                write_mo(handle, catalog)


setup(cmdclass={"build_py": BuildWithCatalogs})
