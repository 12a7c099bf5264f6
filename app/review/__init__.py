"""review widgets of the workstation."""
