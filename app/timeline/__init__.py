"""timeline widgets of the workstation."""
