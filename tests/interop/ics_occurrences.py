#!/usr/bin/env python3
"""Reads a Convene .ics file with independent implementations (Python's
icalendar and recurring-ical-events) and prints the occurrences in a window,
so tests/ics_interop.rs can compare them with Convene's own expansion.

Usage: ics_occurrences.py FILE FROM_UTC TO_UTC
       FROM_UTC / TO_UTC as 2026-03-01T00:00:00Z

Prints one line per occurrence overlapping [FROM, TO), sorted:
    START_UTC END_UTC SUMMARY          (times as 2026-03-02T08:00:00Z)

Before that it checks the RFC 5545 rules Convene promises, and exits 1
with a message on stderr when one is broken:
  - CRLF line endings, no bare CR or LF (section 3.1);
  - no content line longer than 75 octets (section 3.1);
  - every TZID parameter has a VTIMEZONE with that TZID (section 3.6.5);
  - every VEVENT has UID and DTSTAMP (section 3.6.1);
  - each VTIMEZONE, read on its own (not by its name), gives the same UTC
    offset as the IANA zone of that name at every occurrence start.
Exits 3 when the Python packages are missing.
"""

import re
import sys
from datetime import date, datetime, timedelta, timezone

try:
    import icalendar
    import recurring_ical_events
except ImportError as missing:  # pragma: no cover - environment problem
    print(
        f"ics_occurrences: {missing}; install the test tools with "
        "`scripts/install --test` (icalendar==7.3.0, "
        "recurring-ical-events==3.8.2)",
        file=sys.stderr,
    )
    sys.exit(3)

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
except ImportError:  # pragma: no cover - Python < 3.9
    print("ics_occurrences: Python 3.9 or newer is needed", file=sys.stderr)
    sys.exit(3)


def fail(message):
    print(f"ics_occurrences: {message}", file=sys.stderr)
    sys.exit(1)


def parse_utc(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def iso(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_lines(raw):
    if not raw.endswith(b"\r\n"):
        fail("the file does not end with CRLF")
    lines = raw[:-2].split(b"\r\n")
    for number, line in enumerate(lines, 1):
        if b"\n" in line or b"\r" in line:
            fail(f"line {number}: bare CR or LF (lines must end with CRLF)")
        if len(line) > 75:
            fail(f"line {number}: {len(line)} octets, more than 75: {line[:40]!r}...")
    return lines


def unfold(lines):
    out = []
    for line in lines:
        if line[:1] in (b" ", b"\t") and out:
            out[-1] += line[1:]
        else:
            out.append(line)
    return [line.decode("utf-8") for line in out]


TZID_PARAM = re.compile(r';TZID=("[^"]*"|[^;:]*)')


def check_structure(cal, content_lines):
    defined = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    for line in content_lines:
        for match in TZID_PARAM.finditer(line.split(":", 1)[0] + ":"):
            tzid = match.group(1).strip('"')
            if tzid not in defined:
                fail(f"TZID {tzid!r} is used but has no VTIMEZONE")
    events = cal.walk("VEVENT")
    if not events:
        fail("no VEVENT")
    for event in events:
        for name in ("UID", "DTSTAMP"):
            if name not in event:
                fail(f"a VEVENT has no {name}")


def own_zones(cal):
    """Each VTIMEZONE as a tzinfo built from its own sub-components."""
    zones = {}
    for vtimezone in cal.walk("VTIMEZONE"):
        tzid = str(vtimezone["TZID"])
        try:
            zones[tzid] = vtimezone.to_tz(lookup_tzid=False)
        except Exception as error:  # noqa: BLE001 - any failure is a finding
            fail(f"VTIMEZONE {tzid!r} cannot be read: {error}")
    return zones


def check_zone(zones, start):
    tzinfo = start.tzinfo
    key = getattr(tzinfo, "key", None) or getattr(tzinfo, "zone", None)
    if key is None or key not in zones:
        return
    try:
        reference = ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        return
    naive = start.replace(tzinfo=None)
    expected = naive.replace(tzinfo=reference).utcoffset()
    got = zones[key].utcoffset(naive)
    if got is None:
        localized = getattr(zones[key], "localize", None)
        got = localized(naive).utcoffset() if localized else None
    if got != expected:
        fail(f"VTIMEZONE {key!r} gives {got} at {naive}, the zone has {expected}")


def end_of(occurrence, start):
    if "DTEND" in occurrence:
        return occurrence["DTEND"].dt
    if "DURATION" in occurrence:
        return start + occurrence["DURATION"].dt
    return start


def as_utc(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            fail(f"floating time {value} (Convene never writes one)")
        return value
    if isinstance(value, date):
        fail(f"DATE value {value} (Convene never writes one)")
    fail(f"unexpected time value {value!r}")
    return None


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    path, window_from, window_to = argv[1:4]
    with open(path, "rb") as handle:
        raw = handle.read()
    content_lines = unfold(check_lines(raw))
    cal = icalendar.Calendar.from_ical(raw)
    check_structure(cal, content_lines)
    zones = own_zones(cal)

    found = []
    for occurrence in recurring_ical_events.of(cal).between(
        parse_utc(window_from), parse_utc(window_to)
    ):
        start = as_utc(occurrence["DTSTART"].dt)
        end = as_utc(end_of(occurrence, start))
        check_zone(zones, start)
        summary = str(occurrence.get("SUMMARY", ""))
        found.append(f"{iso(start)} {iso(end)} {summary}")
    for line in sorted(found):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
