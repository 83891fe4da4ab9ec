"""Help menu: the offline help page (F1), keyboard shortcuts, About and licences, the log."""
