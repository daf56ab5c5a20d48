"""Sphinx extension: each script appears once per page.

Sphinx 7.4 (the line jupyter-book 1 requires) can add an extension's inline script twice
to every page (fixed in Sphinx 8, sphinx-doc/sphinx#13402). sphinx-thebe's inline
``const THEBE_JS_URL = ...`` is one: declared twice, the second declaration is a
JavaScript error on every page. This removes the repeats before the page is written.
"""


def _unique(scripts):
    """The scripts in page order (by priority, as Sphinx sorts them), each file or body once."""
    seen, unique = set(), []
    for script in sorted(scripts, key=lambda script: script.priority):
        # a repeat may differ in its priority, and an inline script's file name be None or ""
        key = (script.filename or "", tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    return unique


def _remove_repeated_scripts(app, pagename, templatename, context, doctree):
    if "script_files" in context:
        context["script_files"] = _unique(context["script_files"])


def setup(app):
    app.connect("html-page-context", _remove_repeated_scripts, priority=900)  # after every extension has added its own
    return {"parallel_read_safe": True, "parallel_write_safe": True}
