"""Schemathesis hooks for .ci/schemathesis: rules of the API that a JSON
Schema cannot state, so that schema-valid requests are also valid requests."""

import schemathesis

HISTORY = ("/api/v1/users/me/transactions", "/api/v1/users/me/transactions/grouped")


@schemathesis.hook
def filter_query(context, query):
    """The history's `startDate` may not be after its `endDate` (400 otherwise)."""
    if context.operation is None or context.operation.path not in HISTORY or not query:
        return True
    start, end = query.get("startDate"), query.get("endDate")
    return not (isinstance(start, str) and isinstance(end, str) and start > end)
