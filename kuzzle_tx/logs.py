"""
Log observers for ``twistd --logger``: ``twistd -n --logger kuzzle_tx.logs.json_observer kuzzle``
writes one JSON object per event to standard output (for log shippers); the default is
twistd's text format.
"""

from __future__ import annotations

import sys

from twisted.logger import ILogObserver, jsonFileLogObserver


def json_observer() -> ILogObserver:
    return jsonFileLogObserver(sys.stdout)
