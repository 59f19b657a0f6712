"""ninja's URL patterns grouped by their first path segment, resolved by a dict lookup. It leans
on Django's URLResolver (its patterns, Resolver404, RegexPattern), so it is kept apart here;
tests/test_urls.py holds every route to the view it resolved to before."""

import re

from django.urls import Resolver404, URLResolver
from django.urls.resolvers import RegexPattern


class _FirstSegment(RegexPattern):
    """Matches a path whose first segment is `segment` and consumes none of it (a lookahead), so
    that the patterns under it match the whole path as before; it adds nothing to a route."""

    def __init__(self, segment: str):
        super().__init__(rf"^(?={re.escape(segment)}(?:/|$))")

    def __str__(self):
        return ""


class _BySegment(URLResolver):
    """Resolves a path in the group of patterns of its first segment, found by a dict lookup (a
    failing URLResolver raises Resolver404, so trying groups one by one cost what trying their
    patterns had); reversing sees every group (`url_patterns`) as ordinary included patterns."""

    def __init__(self, groups: dict[str, list]):
        self._groups = {segment: URLResolver(_FirstSegment(segment), patterns) for segment, patterns in groups.items()}
        super().__init__(RegexPattern(""), list(self._groups.values()))

    def resolve(self, path):
        path = str(path)
        group = self._groups.get(path.split("/", 1)[0])
        if group is not None:
            # The group's own pattern consumes nothing and captures nothing: a match of one of its
            # patterns is the group's match, without building one more ResolverMatch around it.
            for pattern in group.url_patterns:
                try:
                    match = pattern.resolve(path)
                except Resolver404:
                    continue
                if match:
                    return match
        raise Resolver404({"tried": [], "path": path})


def by_first_segment(urls):
    """ninja's patterns of one API, grouped by their routes' first segment. Django tries a URLconf's
    patterns one by one, and ninja lists one per operation, in router order: GET /assets/{id} was
    the 41st of 86, and trying them was a tenth of that request's Python (bench/profile_detail.py).
    Grouped, a request tries only its own group's patterns, in their order. A group holds the
    routes that start with one literal segment; no two groups' routes can match the same path, so
    no request reaches another view than before. A route without a segment (the API's root) stays
    beside the groups; routes from one whose first segment is a converter on (it could match any
    group's paths) stay as they are, after the groups."""
    patterns, app_name, namespace = urls
    groups, alone, rest = {}, [], []
    for pattern in patterns:
        segment = str(pattern.pattern).split("/", 1)[0]
        if rest or "<" in segment:
            rest.append(pattern)
        elif segment:
            groups.setdefault(segment, []).append(pattern)
        else:
            alone.append(pattern)
    return [_BySegment(groups), *alone, *rest], app_name, namespace
