"""Puts this folder on sys.path (pytest's rootdir-relative import mode) for `annotated_cases`."""
