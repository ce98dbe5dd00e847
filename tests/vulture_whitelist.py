"""Names vulture (``--min-confidence 60``) reports as unused that are used where it cannot
see: by click, Jinja, fontTools, pikepdf (PDF dictionary keys set as attributes), Babel's
extraction, or the tests. tests/unit/test_lint.py runs vulture with this file."""
# ruff: noqa: B018, F821
# click commands, registered by their decorators
serve_cmd, list_cmd, show_cmd, print_cmd, check_cmd, preview_cmd, samples_cmd, exhibit_cmd, diff_cmd
init_cmd, new_cmd, stocks_cmd, calibrate_cmd
_.term_len  # click's formatting hook (cli/cjkwrap.py)
_._original  # kept to restore a patched library function (cli/libs.py)
_.preserve_quotes  # ruamel.yaml's setting (serve/unitform.py)
# Babel: an extractor's signature, and messages marked only to be extracted
extract_help, comment_tags, fileobj, keywords
MESSAGES, PLURALS, STOCK_DESCRIPTIONS, YAML_PROBLEMS
# Jinja's sandbox and loader interfaces (design/templating.py)
_.get_source, intercepted_binops, sized, counted, __self
# Jinja's bytecode cache interface (render/templatecode.py)
_.get_cache_key, _.dump_bytecode
# fontTools' pen interface (render/glyphs.py)
_._moveTo, _._lineTo, _._curveToOne, _._closePath
# HarfBuzz subsetting options (render/stamp/writer.py)
_.flags
# PDF dictionary keys written as pikepdf attributes
_.BBox, _.docinfo, _.TrimBox, _.N, _.OutputIntents, _.Type, _.Subtype, _.Length, _.Length1
_.Encoding, _.ToUnicode, _.ColorSpace, _.ViewerPreferences, _.RegistryName
_.Parent, _.Count
# read by tests/unit/test_internals.py
SUPPORTED
# keys of TypedDicts (what `cardkit stocks --json` writes)
margins_mm
