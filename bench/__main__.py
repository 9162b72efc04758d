"""``python -m bench``: see bench/runner.py."""
from .runner import main

main()
