"""dialogs widgets of the workstation."""
