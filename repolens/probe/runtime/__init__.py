"""Code that runs inside the probe's child process, next to the user's model. It imports torch.

Nothing outside this package imports it: the parent (CLI, `run_probe`) must work without torch.
"""
