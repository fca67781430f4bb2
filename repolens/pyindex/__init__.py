"""Cheap name resolution shared by map (on `ast` trees) and lint (on libcst trees).

`aliases` needs no libcst; `cst_names` holds the libcst side, loaded only by lint.
"""

from repolens.pyindex.aliases import AliasTable, ast_dotted_name

__all__ = ["AliasTable", "ast_dotted_name"]
