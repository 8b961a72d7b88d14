#!/usr/bin/env python
"""Django's command-line utility; `workgate` (the console script) is the same."""

from workgate.cli import main

if __name__ == "__main__":
    main()
