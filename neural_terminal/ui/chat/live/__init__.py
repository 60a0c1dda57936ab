"""The reply in progress on the page: batches of new text sent as small script calls, the
live markdown blocks, and following a reply that another tab or worker streams."""
