import os
import sys

# `python -m repolens` puts the current folder first on sys.path: inside the analysed repository,
# its `typing.py` or `threading.py` would shadow the standard library for every later import.
# Only `os` and `sys` (loaded before any of our code) are used until it is gone; the same rule as
# `repolens.procs.clean_sys_path`, which cannot be imported before the clean-up.
_here = os.path.realpath(os.getcwd())
sys.path[:] = [p for p in sys.path if p not in ("", ".") and os.path.realpath(p) != _here]

from repolens.cli import main  # noqa: E402  (after the clean-up on purpose)

if __name__ == "__main__":
    main()
