"""Project-wide pytest set-up.

nbval compares every output of a chapter with the saved one. A plotly figure is saved
twice, as plotly JSON and as HTML (see utils/plots.py). The HTML form is compared, with
its embedded PNG data and figure ids sanitised (tests/nbval_sanitize.cfg); the JSON form
holds the same numbers but cannot be sanitised (nbval only sanitises strings), so it is
left out of the comparison.

nbval also waits only 5 s for a cell's outputs after the cell finishes; on a busy 2-core
machine a training cell's progress-bar messages can lag longer, so the wait is raised.
"""

PLOTLY_JSON = "application/vnd.plotly.v1+json"
OUTPUT_TIMEOUT = 120  # seconds nbval waits for outputs after a cell has finished


def pytest_collection_modifyitems(session, config, items):
    for item in items:
        if hasattr(item, "output_timeout"):
            item.output_timeout = OUTPUT_TIMEOUT
        notebook = getattr(item, "parent", None)
        skip = getattr(notebook, "skip_compare", None)
        if skip is not None and PLOTLY_JSON not in skip:
            notebook.skip_compare = (*skip, PLOTLY_JSON)
