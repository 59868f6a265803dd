"""Small widgets of the console; each posts Messages (loket.tui.messages) rather than acting."""
