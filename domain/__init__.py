"""The project's closed vocabularies: report statuses, certainty, outbox states, languages.

Dependency-free (standard library only) so every layer, the Makefile and the tests can read it.
"""
