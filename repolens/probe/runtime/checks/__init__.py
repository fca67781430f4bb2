"""One module per group of checks; each takes the probe's Run and adds findings and measurements."""
