"""`repolens probe`: the optional runtime pass. Imports the user's model in a child process only.

Importing this package never imports torch; `run_probe` needs it installed (the child imports it).
"""

from repolens.probe.autodetect import Candidate, find_candidates
from repolens.probe.config import ProbeConfigError, build_spec, find_project_root, load_options, parse_shape
from repolens.probe.model import CHECKS, ProbeFailure, ProbeFinding, ProbeReport, ProbeSpec, Thresholds
from repolens.probe.runner import ProbeInterrupted, ProbeUnavailable, run_probe, torch_available

__all__ = [
    "CHECKS", "Candidate", "ProbeConfigError", "ProbeFailure", "ProbeFinding", "ProbeReport", "ProbeSpec",
    "ProbeInterrupted", "ProbeUnavailable", "Thresholds", "build_spec", "find_candidates", "find_project_root", "load_options",
    "parse_shape", "run_probe", "torch_available",
]
