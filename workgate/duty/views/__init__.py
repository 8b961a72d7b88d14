"""Pages of duty rosters: the week's roster, gaps, posts, shifts (roster.py) and swaps, with a
volunteer's own shifts (swaps.py)."""
