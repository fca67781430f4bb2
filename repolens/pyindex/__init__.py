"""Cheap name resolution shared by map (on `ast` trees) and lint (on libcst trees)."""

from repolens.pyindex.aliases import AliasTable, ast_dotted_name, cst_dotted_name

__all__ = ["AliasTable", "ast_dotted_name", "cst_dotted_name"]
