"""A client generated from the served document (openapi-python-client) reads
a profile, a search page and the grouped credit history as typed values.

    PYTHONPATH=<dir holding allmine_client> python check.py <base-url> <token>
"""
import sys

from allmine_client import AuthenticatedClient, Client
from allmine_client.api.credits_ import get_my_transactions_grouped
from allmine_client.api.users import get_profile_by_username, search_users
from allmine_client.models import (
    EnvelopePagedFoundUser,
    EnvelopePagedGroupedEntry,
    EnvelopePublicProfile,
    SingleTransaction,
    StreamGroup,
    Transaction,
)


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"python client: {what}")


def main(base: str, token: str) -> None:
    anonymous = Client(base_url=base, raise_on_unexpected_status=True)
    signed_in = AuthenticatedClient(base_url=base, token=token, raise_on_unexpected_status=True)

    profile = get_profile_by_username.sync(client=anonymous, username="johndoe123")
    expect(isinstance(profile, EnvelopePublicProfile), f"profile: {profile!r}")
    expect(profile.data.username == "johndoe123", "profile: wrong user")
    expect(isinstance(profile.data.followers_count, int), "profile: followersCount not an int")

    found = search_users.sync(client=signed_in, query="demo", limit=5)
    expect(isinstance(found, EnvelopePagedFoundUser), f"search: {found!r}")
    expect(len(found.data.items) > 0, "search: no users found for 'demo'")
    expect(all(isinstance(user.username, str) for user in found.data.items), "search: untyped items")

    grouped = get_my_transactions_grouped.sync(client=signed_in, limit=50)
    expect(isinstance(grouped, EnvelopePagedGroupedEntry), f"grouped history: {grouped!r}")
    streams = [e for e in grouped.data.items if isinstance(e, StreamGroup)]
    singles = [e for e in grouped.data.items if isinstance(e, SingleTransaction)]
    expect(len(streams) + len(singles) == len(grouped.data.items), "grouped history: untyped entries")
    expect(streams and singles, "grouped history: the demo should show streams and standalone entries")
    expect(
        all(isinstance(t, Transaction) for s in streams for t in s.transactions),
        "grouped history: a stream's records are not typed",
    )
    print(
        f"python client: profile {profile.data.username}, {len(found.data.items)} search hits, "
        f"{len(streams)} stream groups and {len(singles)} standalone entries, all typed"
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
