"""Dockside benchmarks: ``make bench`` (``python -m bench``).

How fast is a scan, an import, a photo, and does a scan get slower as history grows?
Every figure is taken against a floor measured in the same run on the same machine, so
the ratio means something on a noisy machine. See docs/benchmarks.md.

- runner.py   the whole run: phases in order, then bench/results/latest.json and the table
- data.py     databases, demo data, bench users, big ASNs, generated history (bulk)
- server.py   the app under gunicorn, as in production
- loadgen.py  the load generator, a separate process (asyncio, over http.py)
- http.py     its lean HTTP/1.1 client: one request per connection, no library
- imports.py  ASN import through the API and the CSV upload, against a Core bulk insert
- pages.py    page weight: the dock page's first load and one scan's fragment, compressed
- plans.py    the query plans of a scan's statements, checked for full table scans
- report.py   latest.json and the Markdown table in docs/benchmarks.md
- stats.py    percentiles and rates
"""
