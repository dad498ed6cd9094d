"""What each report says, formatted for one language once, for every medium to lay out."""
