"""The bench's gunicorn settings: none beyond bench/server.py's command line (four sync
workers, the shape the runs in docs/benchmarks.md measured).

Named with --config, this file stands in for the project's gunicorn.conf.py, whose
production check refuses several workers with in-memory login counters: the bench's dock
workers only ever type the right password, which counts against no limit.
"""
