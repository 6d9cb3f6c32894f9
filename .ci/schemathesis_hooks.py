"""Schemathesis hooks for .ci/schemathesis: rules of the API that a JSON
Schema cannot state, so that schema-valid requests are also valid requests."""

import schemathesis

HISTORY = ("/api/v1/users/me/transactions", "/api/v1/users/me/transactions/grouped")


@schemathesis.hook
def filter_query(context, query):
    """The history's `startDate` may not be after its `endDate` (400 otherwise).
    Its `cursor` is opaque: only one the server handed out to this caller is
    valid (any other is 400), which no schema can generate, so generated
    queries with a cursor are left out; the API tests pin cursor paging and
    its 400s (crates/server/tests/api/history.rs)."""
    if context.operation is None or context.operation.path not in HISTORY or not query:
        return True
    if query.get("cursor") is not None:
        return False
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
