"""Plain HTTP GET with retries, and the landing zone every connector writes its responses to.

:func:`fetch` is the one way a connector talks to a live source (``urllib.request``, no extra
dependency). It retries, with exponential backoff, on 429 (honouring ``Retry-After``), on 5xx, on
network errors and on truncated bodies (a ``Content-Length`` the body does not match, or JSON that
does not parse); any other 4xx fails at once. A final failure raises :class:`ConnectorError`, whose
message is one line: the URL with secrets removed, the HTTP status where there is one, the problem.

Secrets (``subscription-key``-like query parameters, ``Ocp-Apim-Subscription-Key``-like headers)
are never printed: :func:`redact_url` / :func:`redact_params` / :func:`redact_headers` strip them
from anything shown or saved, and every message is scrubbed of the secret values themselves.

:class:`LandingZone` saves each response, as delivered, under ``<landing_root>/<source>/<release>/``
*before* anything reads it, and writes ``manifest.json`` (query without key, UTC retrieval times,
release id, sha256, bytes and rows of every file, whether the fetch completed).
"""

from __future__ import annotations

import email.utils
import hashlib
import http.client
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path

from orchestration.lib.errors import ConfigError, CorridorError

# query parameters and headers whose values are secrets (compared case-insensitively)
SECRET_PARAMS = frozenset(
    {"subscription-key", "subscription_key", "subscriptionkey", "api_key", "api-key", "apikey", "key", "token", "access_token"}
)
SECRET_HEADERS = frozenset({"ocp-apim-subscription-key", "authorization", "proxy-authorization", "x-api-key"})
REDACTED = "***"

RETRY_STATUSES = frozenset({429}) | frozenset(range(500, 600))
USER_AGENT = "corridor-connector/0.1 (+urllib)"
_SNIPPET = 160


class ConnectorError(CorridorError):
    """A live source that could not be fetched: one line with the URL (no secrets), status, problem."""

    def __init__(self, url: str, problem: str, status: int | None = None, attempts: int | None = None) -> None:
        self.url = redact_url(url)
        self.problem = _one_line(problem)
        self.status = status
        self.attempts = attempts
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [self.url]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        problem = self.problem
        if self.attempts is not None and self.attempts > 1:
            problem = f"{problem} (after {self.attempts} attempts)"
        parts.append(problem)
        return ": ".join(parts)


# -- redaction --------------------------------------------------------------------------------------

def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip()


def redact_params(params: Mapping[str, object] | None) -> dict[str, str]:
    """``params`` as strings, without secret parameters (they are dropped, not masked)."""
    return {str(k): str(v) for k, v in (params or {}).items() if str(k).lower() not in SECRET_PARAMS}


def redact_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    """``headers`` with secret headers dropped."""
    return {k: v for k, v in (headers or {}).items() if k.lower() not in SECRET_HEADERS}


def redact_url(url: str) -> str:
    """``url`` without secret query parameters and without user:password."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in query if k.lower() not in SECRET_PARAMS]
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, urllib.parse.urlencode(kept, safe=",+:"), ""))


def with_params(url: str, params: Mapping[str, object] | None) -> str:
    """``url`` with ``params`` appended to its query string (commas and ``+`` kept readable)."""
    if not params:
        return url
    query = urllib.parse.urlencode({str(k): str(v) for k, v in params.items()}, safe=",+:")
    return f"{url}{'&' if '?' in url else '?'}{query}"


def _secret_values(params: Mapping[str, object] | None, headers: Mapping[str, str] | None) -> list[str]:
    values = [str(v) for k, v in (params or {}).items() if str(k).lower() in SECRET_PARAMS]
    values += [str(v) for k, v in (headers or {}).items() if k.lower() in SECRET_HEADERS]
    return [v for v in values if v]


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
        text = text.replace(urllib.parse.quote(secret, safe=""), REDACTED)
    return text


# -- fetch ------------------------------------------------------------------------------------------

def _retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date), or None."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _snippet(body: bytes) -> str:
    text = _one_line(body[:_SNIPPET * 2].decode("utf-8", "replace"))
    return text[:_SNIPPET] + ("…" if len(text) > _SNIPPET else "")


def fetch(
    url: str,
    *,
    params: Mapping[str, object] | None = None,
    headers: Mapping[str, str] | None = None,
    retries: int = 5,
    backoff_base: float = 1.0,
    timeout: float = 60,
    sleep: Callable[[float], object] = time.sleep,
    max_delay: float = 300.0,
    expect_json: bool | None = None,
) -> bytes:
    """GET ``url`` with ``params`` and return the body, retrying transient failures.

    * ``retries``: how many times to try again after the first attempt (``retries + 1`` attempts).
    * Delay before retry *n* (0-based) is ``backoff_base * 2**n`` seconds, or the server's
      ``Retry-After`` on a 429/503 that sends one; both capped at ``max_delay``. ``sleep`` is
      injectable so tests never wait.
    * ``expect_json``: check the body parses as JSON (``None``: when the Content-Type says JSON).
    * Raises :class:`ConnectorError` (never a bare urllib/http.client exception).
    """
    full_url = with_params(url, params)
    shown = redact_url(full_url)
    secrets = _secret_values(params, headers)
    send_headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **dict(headers or {})}
    attempts = max(0, int(retries)) + 1

    def fail(problem: str, status: int | None, attempt: int) -> ConnectorError:
        return ConnectorError(shown, _scrub(problem, secrets), status=status, attempts=attempt)

    for attempt in range(attempts):
        last = attempt == attempts - 1
        status: int | None = None
        retry_after: float | None = None
        try:
            request = urllib.request.Request(full_url, headers=send_headers, method="GET")
        except ValueError as exc:  # not a URL urllib can open
            raise fail(f"invalid URL ({exc})", None, attempt + 1) from None
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status = response.status
                declared = response.headers.get("Content-Length")
                content_type = response.headers.get("Content-Type") or ""
                body = response.read()
        except urllib.error.HTTPError as exc:
            status = exc.code
            try:
                err_body = exc.read()
            except Exception:  # the error body is only for the message
                err_body = b""
            finally:
                exc.close()
            problem = f"{exc.reason or 'error'}" + (f" ({_snippet(err_body)})" if err_body.strip() else "")
            if status not in RETRY_STATUSES:
                raise fail(problem, status, attempt + 1) from None
            retry_after = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
        except http.client.IncompleteRead as exc:
            problem = f"truncated body ({len(exc.partial)} bytes received, {exc.expected} more expected)"
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:  # TimeoutError is an OSError
            reason = getattr(exc, "reason", None) or exc
            problem = f"network error ({_one_line(str(reason)) or type(exc).__name__})"
        else:
            if declared is not None and declared.strip().isdigit() and len(body) != int(declared):
                problem = f"truncated body ({len(body)} bytes received, Content-Length {int(declared)})"
            elif (expect_json or (expect_json is None and "json" in content_type.lower())) and not _parses(body):
                problem = f"body is not valid JSON (truncated or not JSON; {len(body)} bytes: {_snippet(body)})"
            else:
                return body
        if last:
            raise fail(problem, status, attempt + 1)
        delay = retry_after if retry_after is not None else backoff_base * (2 ** attempt)
        sleep(min(max(0.0, delay), max_delay))
    raise AssertionError("unreachable")  # pragma: no cover


def _parses(body: bytes) -> bool:
    try:
        json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False
    return True


# -- landing zone -----------------------------------------------------------------------------------

_RELEASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def default_release_id() -> str:
    """A release id from the UTC clock, e.g. ``20240131T120000Z``."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class LandingZone:
    """``<landing_root>/<source>/<release_id>/``: responses as delivered, plus ``manifest.json``.

    A release folder is written once: an existing, non-empty one is refused (raw files are never
    modified). Every response is saved (atomically) before it is parsed or checked, so a failed
    fetch still leaves the evidence; ``manifest.json`` is rewritten after every file and records
    ``complete: false`` and the error until the fetch finishes.
    """

    def __init__(self, landing_root: str | Path, source: str, release_id: str | None, *, query: dict, extra: dict | None = None):
        release_id = release_id or default_release_id()
        if not _RELEASE_ID.match(release_id):
            raise ConfigError(f"release id {release_id!r}: use letters, digits, '.', '_' or '-' (no path separators)")
        self.source = source
        self.release_id = release_id
        self.dir = Path(landing_root) / source / release_id
        if self.dir.exists() and any(self.dir.iterdir()):
            raise ConfigError(f"{self.dir}: release folder already exists and is not empty (raw files are never overwritten)")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.started_at = utc_now()
        self.query = query
        self.extra = dict(extra or {})
        self.files: list[dict] = []
        self.complete = False
        self.error: str | None = None
        self.write_manifest()

    def save(self, name: str, body: bytes, **info) -> Path:
        """Write ``body`` as ``name`` (never overwriting) and record it in the manifest."""
        path = self.dir / name
        if path.exists():
            raise ConfigError(f"{path}: already exists (raw files are never overwritten)")
        tmp = path.with_name(f".{name}.part")
        with open(tmp, "wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        entry = {"file": name, "retrieved_at": utc_now(), "bytes": len(body), "sha256": hashlib.sha256(body).hexdigest(), **info}
        self.files.append(entry)
        self.write_manifest()
        return path

    def update(self, name: str, **info) -> None:
        for entry in self.files:
            if entry["file"] == name:
                entry.update(info)
        self.write_manifest()

    def finish(self, error: BaseException | None = None) -> None:
        self.complete = error is None
        self.error = None if error is None else _one_line(str(error))
        self.write_manifest()

    def manifest(self) -> dict:
        data_files = [f for f in self.files if f.get("kind", "data") == "data"]
        return {
            "source": self.source,
            "release_id": self.release_id,
            "retrieved_at": self.started_at,
            "finished_at": utc_now() if (self.complete or self.error) else None,
            "complete": self.complete,
            "error": self.error,
            "query": self.query,
            **self.extra,
            "rows": sum(int(f.get("rows") or 0) for f in data_files),
            "files": self.files,
        }

    def write_manifest(self) -> Path:
        path = self.dir / "manifest.json"
        tmp = self.dir / ".manifest.json.part"
        tmp.write_text(json.dumps(self.manifest(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
        return path


def data_files(release_dir: str | Path) -> list[Path]:
    """The data responses of a fetched release, in call order (as listed in its manifest)."""
    release_dir = Path(release_dir)
    manifest = json.loads((release_dir / "manifest.json").read_text(encoding="utf-8"))
    return [release_dir / f["file"] for f in manifest["files"] if f.get("kind") == "data"]


def parse_release(release_dir: str | Path, parse_file, row_schema: dict, count_key: str):
    """All data responses of a fetched release, parsed with ``parse_file`` and concatenated
    (rows and quarantine); ``meta`` sums ``count_key`` over the files."""
    import polars as pl

    from orchestration.lib.results import ParseResult, quarantine_frame

    results = [parse_file(p) for p in data_files(release_dir)]
    if not results:
        return ParseResult(rows=pl.DataFrame(schema=row_schema))
    return ParseResult(
        rows=pl.concat([r.rows for r in results]),
        quarantine=pl.concat([quarantine_frame(), *[r.quarantine for r in results]]),
        meta={"files": len(results), count_key: sum(r.meta[count_key] for r in results)},
    )
