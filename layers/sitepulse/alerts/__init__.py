"""Alert rules: watch one sensor, room or store and notify (signed webhook) on each change of state."""
