"""Fake UN Comtrade / IMF answers for tests that run the connectors against pytest-httpserver on 127.0.0.1.

The records are synthetic (values computed from the codes), in the API's real schema.
"""

from __future__ import annotations

import json

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


