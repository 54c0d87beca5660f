"""Gettext catalogs: en, fa_AF (Dari), ps (Pashto). `.po` are committed; `.mo` are built by make."""
