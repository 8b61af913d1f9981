"""The baseline: the same extraction as tap-rickai with plain requests + msgspec.

Same day windows, same page size, same one-request-per-second spacing, and one
Singer RECORD line per session on stdout; no SDK, no streaming parse, no
validation. It holds each page in memory whole.
"""

from __future__ import annotations

import sys
import time

import msgspec
import pendulum
import requests

RECORD_PREFIX = b'{"type":"RECORD","stream":"sessions","record":'


def main(api_url: str, company: str, token: str, start: str, end: str, page_size: int) -> None:
    session = requests.Session()
    session.headers["Rick-Auth-Token"] = token
    url = f"{api_url}/v2/{company}/sessions"
    out = sys.stdout.buffer
    encode = msgspec.json.Encoder().encode
    decode = msgspec.json.Decoder().decode
    last_answer = 0.0
    day = pendulum.parse(start).date()
    last = pendulum.parse(end).date()
    while day <= last:
        offset = 0
        while True:
            time.sleep(max(0.0, last_answer + 1.0 - time.monotonic()))
            response = session.get(
                url,
                params={"start": str(day), "end": str(day), "limit": page_size, "offset": offset},
                timeout=300,
            )
            last_answer = time.monotonic()
            response.raise_for_status()
            page = decode(response.content)
            for item in page["items"]:
                out.write(RECORD_PREFIX + encode(item) + b"}\n")
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                break
        day = day.add(days=1)
    out.flush()


if __name__ == "__main__":
    main(*sys.argv[1:6], int(sys.argv[6]))
