"""What schemathesis cannot send by itself: an NDJSON batch, sent as the text it is (its
examples are NDJSON texts, its schema says bytes)."""

import schemathesis

schemathesis.serializer.alias("application/x-ndjson", "text/plain")
