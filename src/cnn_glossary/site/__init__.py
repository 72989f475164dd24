"""The documentation engine. Only this part knows MkDocs, and only ``plugin.py`` imports it."""
