"""loket: terminal console for a municipal customer contact centre (KCC).

Kept empty on purpose: importing the package must cost nothing, so the console's
first frame and every CLI command only pay for the modules they use.
"""

__version__ = "0.1.0"
