"""player widgets of the workstation."""
