"""Test-only launcher: ``streamlit run`` with aioice offering 127.0.0.1.

aioice leaves out the loopback address when it gathers ICE host candidates,
so inside a network namespace that has only loopback no WebRTC connection
could form. This patch lives here, in the tests, never in the app.
"""

from __future__ import annotations

import sys

import aioice.ice
from streamlit.web import cli

_original = aioice.ice.get_host_addresses


def _with_loopback(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    addresses = _original(use_ipv4, use_ipv6)
    if use_ipv4 and "127.0.0.1" not in addresses:
        addresses.append("127.0.0.1")
    return addresses


aioice.ice.get_host_addresses = _with_loopback

if __name__ == "__main__":
    sys.argv = ["streamlit", "run", *sys.argv[1:]]
    sys.exit(cli.main())
