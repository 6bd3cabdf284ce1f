"""One module per rule group; each registers the checks of its rules with `conformance.registry`.

`conformance.registry.load_checks` imports every module here whose name does not start with `_`.
"""
