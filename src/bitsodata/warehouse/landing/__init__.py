"""Landing: fetching the snapshots and splitting them into daily batches (``date=YYYY-MM-DD``)."""
