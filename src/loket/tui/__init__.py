"""The Textual console. Import `loket.tui.app` only when the console runs: it pulls in Textual."""
