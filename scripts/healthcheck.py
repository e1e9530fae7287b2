#!/usr/bin/env python3
"""Container healthcheck for web: GET /healthz/ from inside the container, as the TLS proxy would send it.

It sends a Host from ALLOWED_HOSTS and X-Forwarded-Proto: https, so production settings neither reject
the host (400) nor redirect to https (301). Exit status 0 when the answer is below 400.
"""

import http.client
import os
import sys

host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".") or "localhost"
try:
    conn = http.client.HTTPConnection("127.0.0.1", int(os.environ.get("PORT", "8000")), timeout=8)
    conn.request("GET", "/healthz/", headers={"Host": host, "X-Forwarded-Proto": "https"})
    status = conn.getresponse().status
except OSError as exc:
    sys.exit(f"unhealthy: {exc}")
sys.exit(0 if status < 400 else f"unhealthy: HTTP {status}")
