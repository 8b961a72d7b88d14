#!/usr/bin/env python
"""Django's command-line utility; `workgate` (the console script) does the same with friendlier errors."""

from workgate.cli import main

if __name__ == "__main__":
    main()
