"""Follow-through on paper threads: closing one without a note, and the threads still open."""
