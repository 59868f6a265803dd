"""The Textual console. Import `loket.tui.app` only when the console runs: it pulls in Textual.

Textual paints a changed screen on a timer of 1/TEXTUAL_FPS seconds. At its default of 60
the wait for that timer was most of the time from a keystroke to its search results on
screen (p95 48 ms, bench/startup.py); at 120 it is 29 ms. The timer only runs while
something changed, so an idle console costs no more. A value set by the user wins.
"""

import os

os.environ.setdefault("TEXTUAL_FPS", "120")
