"""Fake UN Comtrade / IMF answers for tests that run the connectors against pytest-httpserver on 127.0.0.1,
APIs that are not there (a refusing port, a silent server; both on 127.0.0.1), and releases laid out by hand.

The records are synthetic (values computed from the codes), in the API's real schema.
"""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path

from werkzeug import Request, Response


class Sleeps(list):
    """An injected ``sleep`` that records the delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        assert seconds < 3600
        self.append(seconds)


def json_response(doc, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(doc), status=status, headers=headers or {}, content_type="application/json")


def make_record(reporter: str, partner: str, period: str, flow: str, cmd: str = "TOTAL") -> dict:
    value = 1000.0 + int(reporter) + int(partner) + int(period) % 100 + (0.5 if flow == "M" else 0.0)
    return {
        "typeCode": "C", "freqCode": "A", "refPeriodId": int(f"{period}0101"), "refYear": int(period), "refMonth": 52,
        "period": period, "reporterCode": int(reporter), "flowCode": flow, "partnerCode": int(partner),
        "partner2Code": 0, "classificationCode": "H5", "cmdCode": cmd, "aggrLevel": 0, "isLeaf": False,
        "customsCode": "C00", "mosCode": "0", "motCode": 0, "qtyUnitCode": -1, "qty": 0, "netWgt": 0,
        "cifvalue": value if flow == "M" else None, "fobvalue": value if flow == "X" else None,
        "primaryValue": value, "legacyEstimationFlag": 0, "isReported": True, "isAggregate": True,
    }


class FakeComtrade:
    """Serves records from ``universe``, filtered by the query; ``countOnly=true`` answers the count.

    ``short_by`` drops records from data answers (a server returning fewer rows than it counted).
    Records the API key header of every request.
    """

    def __init__(self, universe: list[dict], short_by: int = 0):
        self.universe = universe
        self.short_by = short_by
        self.calls: list[dict] = []

    def __call__(self, request: Request) -> Response:
        args = request.args
        self.calls.append({"args": dict(args), "key": request.headers.get("Ocp-Apim-Subscription-Key")})
        want = {name: set(args.get(name, "").split(",")) for name in ("reporterCode", "partnerCode", "period", "cmdCode", "flowCode")}
        hits = [r for r in self.universe if all(str(r[name]) in want[name] for name in want)]
        if args.get("countOnly") == "true":
            return json_response({"elapsedTime": "0.01 secs", "count": len(hits), "data": [{"count": len(hits)}], "error": ""})
        cap = int(args.get("maxRecords", "100000"))
        data = hits[:cap][: max(0, len(hits[:cap]) - self.short_by)]
        return json_response({"elapsedTime": "0.02 secs", "count": len(data), "data": data, "error": ""})


def universe(reporters, partners, periods, flows=("X", "M")) -> list[dict]:
    return [make_record(r, p, y, f) for r in reporters for p in partners for y in periods for f in flows]




# -- APIs that are not there ------------------------------------------------------------------------

class RefusingPort:
    """A port on 127.0.0.1 where nothing listens: bound (so no other test takes it) but not
    listening, so every connection is refused at once."""

    def __enter__(self) -> "RefusingPort":
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        return self

    def __exit__(self, *exc) -> None:
        self.sock.close()

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


class SilentServer(RefusingPort):
    """A server on 127.0.0.1 that accepts connections (the kernel completes the handshake) but never
    reads a request nor answers one. Nothing runs in the background; closing it ends everything."""

    def __enter__(self) -> "SilentServer":
        super().__enter__()
        self.sock.listen(16)
        return self


# -- fetched releases laid out by hand --------------------------------------------------------------

def write_release(folder: Path, files: dict[str, tuple[str, bytes]], **fields) -> dict:
    """A release folder as `corridor fetch` leaves it: ``files`` maps name -> (kind, bytes); the
    manifest lists each with its sha256 and size (``fields`` override manifest keys). Returns the manifest."""
    folder.mkdir(parents=True)
    for name, (_, body) in files.items():
        (folder / name).write_bytes(body)
    manifest = {
        "source": folder.parent.name, "release_id": folder.name, "retrieved_at": "2024-05-01T10:00:00Z",
        "finished_at": "2024-05-01T10:00:05Z", "complete": True, "error": None, "query": {},
        "rows": 0, "files": [{"file": name, "kind": kind, "bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
                             for name, (kind, body) in files.items()],
        **fields,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def comtrade_body(records: list[dict]) -> bytes:
    return json.dumps({"elapsedTime": "0.01 secs", "count": len(records), "data": records, "error": ""}).encode()
