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


@schemathesis.hook
def map_query(context, query):
    """The batch read takes one of `ids` and `usernames`: a generated query with
    both keeps `ids` alone, so that most of its cases test a valid request (a
    query with neither stays, and is 400 as .ci/schemathesis.toml allows)."""
    if context.operation is None or context.operation.path != "/api/v1/users" or not query:
        return query
    if query.get("ids") is not None and query.get("usernames") is not None:
        query = {name: value for name, value in query.items() if name != "usernames"}
    return query
