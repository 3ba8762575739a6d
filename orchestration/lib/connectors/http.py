"""Plain HTTP GET with bounded retries, and the landing zone every connector writes its responses to.

:func:`fetch` is the one way a connector talks to a live source (``urllib.request``, no extra
dependency). It retries, with exponential backoff, on 429 (honouring ``Retry-After``), on 5xx, on
network errors and on truncated bodies (a ``Content-Length`` the body does not match, or JSON that
does not parse); any other 4xx, a certificate that does not verify and an unknown host name fail at
once. An unreachable or silent API cannot hold it for long: a connect timeout, a read timeout
(seconds of silence) and a budget for the whole call (``give_up_after``: attempts and backoff
sleeps together) bound it; only a server that answers and asks for a wait (``Retry-After``) is
waited for beyond that, up to ``max_delay`` per wait and within the retry count. A final failure
raises :class:`ConnectorError`, whose message is one line: the URL with secrets removed, the HTTP
status where there is one, the problem; :meth:`ConnectorError.brief` says the same by host
(``127.0.0.1:8080: connection refused (5 attempts in 15.0 s)``).

Secrets (``subscription-key``-like query parameters, ``Ocp-Apim-Subscription-Key``-like headers)
are never printed: :func:`redact_url` / :func:`redact_params` / :func:`redact_headers` strip them
from anything shown or saved, and every message is scrubbed of the secret values themselves.

:class:`LandingZone` saves each response, as delivered, *before* anything reads it, into a hidden
``<landing_root>/<source>/.partial-<release>/`` with ``manifest.json`` (query without key, UTC
retrieval times, release id, sha256, bytes and rows of every file, whether the fetch completed).
Only a fetch that completed and whose files verify against the manifest is renamed to
``<landing_root>/<source>/<release>/``, the folder builds read; a failed fetch leaves nothing
there (its partial folder stays hidden for inspection until the next fetch of that source removes it).
"""

from __future__ import annotations

import email.utils
import fcntl
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path

from orchestration.lib.connectors.releases import PARTIAL_PREFIX, ReleaseError, verify_release
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

# how long an unreachable or silent API may hold one call (seconds); see fetch()
CONNECT_TIMEOUT = 5.0      # to open the TCP (and TLS) connection
READ_TIMEOUT = 20.0        # silence while waiting for the answer or between its bytes
GIVE_UP_AFTER = 25.0       # the whole call: every attempt and backoff sleep
RETRIES = 4                # attempts after the first
MAX_DELAY = 120.0          # the longest single wait, also for a server's Retry-After


class ConnectorError(CorridorError):
    """A live source that could not be fetched: one line with the URL (no secrets), status, problem."""

    def __init__(self, url: str, problem: str, status: int | None = None, attempts: int | None = None,
                 elapsed: float | None = None) -> None:
        self.url = redact_url(url)
        self.problem = _one_line(problem)
        self.status = status
        self.attempts = attempts
        self.elapsed = elapsed
        parts = urllib.parse.urlsplit(self.url)
        self.host = parts.netloc or self.url
        self.path = parts.path
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

    def brief(self) -> str:
        """One line by host: ``host: [HTTP n: ]problem (N attempts in S s)``."""
        status = f"HTTP {self.status}: " if self.status is not None else ""
        tries = []
        if self.attempts:
            tries.append(f"{self.attempts} attempt{'s' if self.attempts > 1 else ''}")
        if self.elapsed is not None:
            tries.append(f"in {self.elapsed:.1f} s")
        return f"{self.host}: {status}{self.problem}" + (f" ({' '.join(tries)})" if tries else "")


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


def _opener(connect_timeout: float, read_timeout: float) -> urllib.request.OpenerDirector:
    """A urllib opener whose connections connect within ``connect_timeout`` and then wait at most
    ``read_timeout`` for each read (urllib alone has one timeout for both)."""

    def timed(base: type[http.client.HTTPConnection]) -> type[http.client.HTTPConnection]:
        class Connection(base):  # type: ignore[misc,valid-type]
            def connect(self) -> None:
                self.timeout = connect_timeout
                super().connect()
                self.sock.settimeout(read_timeout)

        return Connection

    http_connection, https_connection = timed(http.client.HTTPConnection), timed(http.client.HTTPSConnection)

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(http_connection, req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(https_connection, req, context=self._context)

    return urllib.request.build_opener(HTTPHandler, HTTPSHandler)


def _network_problem(exc: BaseException, connect_timeout: float, read_timeout: float) -> str:
    """What a network failure means, in words: refused, timed out (connecting or waiting), no such host…"""
    wrapped = isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError)
    reason = exc.reason if wrapped and isinstance(exc.reason, BaseException) else exc
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (nothing listens on that port)"
    if isinstance(reason, socket.gaierror):
        return f"host name not found ({_one_line(str(reason.strerror or reason))})"
    if isinstance(reason, TimeoutError):
        # urllib wraps errors while connecting/sending; a timeout waiting for the answer comes bare
        if wrapped:
            return f"no connection within {round(connect_timeout, 1):g} s (connect timeout)"
        return f"no answer within {round(read_timeout, 1):g} s (read timeout)"
    if isinstance(reason, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(reason, ConnectionResetError):
        return "connection reset by the server"
    if isinstance(reason, ssl.SSLError):
        return f"TLS error ({_one_line(str(reason))})"
    if isinstance(reason, OSError) and reason.strerror:
        return f"network error ({_one_line(reason.strerror)})"
    return f"network error ({_one_line(str(reason)) or type(reason).__name__})"


def _permanent(exc: BaseException) -> bool:
    """A network failure that no retry can mend: a certificate that does not verify, a host name
    that does not exist."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, BaseException) else exc
    return isinstance(reason, ssl.SSLCertVerificationError) or (
        isinstance(reason, socket.gaierror) and reason.errno == socket.EAI_NONAME)


def fetch(
    url: str,
    *,
    params: Mapping[str, object] | None = None,
    headers: Mapping[str, str] | None = None,
    retries: int = RETRIES,
    backoff_base: float = 1.0,
    timeout: float = READ_TIMEOUT,
    connect_timeout: float = CONNECT_TIMEOUT,
    give_up_after: float = GIVE_UP_AFTER,
    sleep: Callable[[float], object] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    max_delay: float = MAX_DELAY,
    expect_json: bool | None = None,
    on_retry: Callable[[str], object] | None = None,
) -> bytes:
    """GET ``url`` with ``params`` and return the body, retrying transient failures.

    * ``retries``: how many times to try again after the first attempt (``retries + 1`` attempts).
    * ``connect_timeout``: seconds to open the connection; ``timeout``: seconds of silence allowed
      while waiting for the answer and between its bytes (a slow but flowing download is not cut).
    * ``give_up_after``: seconds for the whole call. Timeouts are shortened to what is left of it,
      and no retry starts whose backoff would end past it; so an unreachable or silent API fails
      within about ``give_up_after`` seconds, whatever ``retries`` says.
    * Delay before retry *n* (0-based) is ``backoff_base * 2**n`` seconds, or the server's
      ``Retry-After`` on a 429/503 that sends one; both capped at ``max_delay``. A server that asks
      for a wait is alive: that wait is honoured even past ``give_up_after``. ``sleep`` and
      ``clock`` are injectable so tests never wait.
    * ``on_retry``: called with one line before each retry (host, problem, attempt, delay).
    * ``expect_json``: check the body parses as JSON (``None``: when the Content-Type says JSON).
    * Raises :class:`ConnectorError` (never a bare urllib/http.client exception).
    """
    full_url = with_params(url, params)
    shown = redact_url(full_url)
    host = urllib.parse.urlsplit(shown).netloc or shown
    secrets = _secret_values(params, headers)
    send_headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **dict(headers or {})}
    attempts = max(0, int(retries)) + 1
    started = clock()

    def fail(problem: str, status: int | None, attempt: int) -> ConnectorError:
        return ConnectorError(shown, _scrub(problem, secrets), status=status, attempts=attempt,
                              elapsed=max(0.0, clock() - started))

    try:
        request = urllib.request.Request(full_url, headers=send_headers, method="GET")
    except ValueError as exc:  # not a URL urllib can open
        raise fail(f"invalid URL ({exc})", None, 1) from None
    for attempt in range(attempts):
        last = attempt == attempts - 1
        status: int | None = None
        retry_after: float | None = None
        left = give_up_after - (clock() - started)
        connect_s, read_s = max(0.5, min(connect_timeout, left)), max(0.5, min(timeout, left))
        try:
            with _opener(connect_s, read_s).open(request, timeout=read_s) as response:
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
            problem = _network_problem(exc, connect_s, read_s)
            if _permanent(exc):  # retrying cannot help: fail at once
                raise fail(problem, None, attempt + 1) from None
        else:
            if declared is not None and declared.strip().isdigit() and len(body) != int(declared):
                problem = f"truncated body ({len(body)} bytes received, Content-Length {int(declared)})"
            elif (expect_json or (expect_json is None and "json" in content_type.lower())) and not _parses(body):
                problem = f"body is not valid JSON (truncated or not JSON; {len(body)} bytes: {_snippet(body)})"
            else:
                return body
        if last:
            raise fail(problem, status, attempt + 1)
        delay = min(max(0.0, retry_after if retry_after is not None else backoff_base * (2 ** attempt)), max_delay)
        if retry_after is None and clock() - started + delay >= give_up_after:
            raise fail(f"{problem}; gave up at the {give_up_after:g} s limit", status, attempt + 1)
        if on_retry is not None:
            what = f"HTTP {status}: {problem}" if status is not None else problem
            asked = " as the server asks" if retry_after is not None else ""
            on_retry(_scrub(f"{host}: {what}; attempt {attempt + 1} of {attempts} failed, retrying in {delay:.3g} s{asked}", secrets))
        sleep(delay)
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


def _try_lock(path: Path) -> int | None:
    """An exclusive lock on ``path`` (created if absent) as an open descriptor, or None if another
    process holds it. The operating system drops the lock when its holder exits, however it exits."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def clean_stale_partials(source_dir: str | Path) -> list[Path]:
    """Remove the ``.partial-*`` folders under ``source_dir`` that no running fetch holds (a fetch
    that failed, was interrupted or killed); return them. A running fetch keeps its lock file
    ``.partial-<release>.lock`` locked, so its folder is left alone."""
    source_dir = Path(source_dir)
    removed: list[Path] = []
    if not source_dir.is_dir():
        return removed
    for path in sorted(source_dir.glob(PARTIAL_PREFIX + "*")):
        if path.name.endswith(".lock") or not path.is_dir() or path.is_symlink():
            continue
        lock = path.with_name(path.name + ".lock")
        fd = _try_lock(lock)
        if fd is None:
            continue  # a fetch is writing it
        try:
            shutil.rmtree(path, ignore_errors=True)
            lock.unlink(missing_ok=True)
            removed.append(path)
        finally:
            os.close(fd)
    for lock in sorted(source_dir.glob(PARTIAL_PREFIX + "*.lock")):  # locks left without a folder
        if not lock.with_name(lock.name[: -len(".lock")]).exists():
            fd = _try_lock(lock)
            if fd is not None:
                lock.unlink(missing_ok=True)
                os.close(fd)
    return removed


class LandingZone:
    """Responses as delivered, plus ``manifest.json``, published as ``<landing_root>/<source>/<release_id>/``.

    While the fetch runs, everything goes to the hidden ``<source>/.partial-<release_id>/`` (locked
    by ``.partial-<release_id>.lock``), which no build reads. Every response is saved (atomically)
    before it is parsed or checked; ``manifest.json`` is rewritten after every file and records
    ``complete: false`` and the error until the fetch finishes. :meth:`finish` then either renames
    the folder to the release folder — only when the fetch completed and every file verifies
    against the manifest (:func:`~orchestration.lib.connectors.releases.verify_release`) — or
    leaves it hidden (removed at once if it holds no response; else by the next fetch of the source,
    see :func:`clean_stale_partials`). A release folder is written once: an existing, non-empty one
    is refused (raw files are never modified).
    """

    def __init__(self, landing_root: str | Path, source: str, release_id: str | None, *, query: dict, extra: dict | None = None):
        release_id = release_id or default_release_id()
        if not _RELEASE_ID.match(release_id):
            raise ConfigError(f"release id {release_id!r}: use letters, digits, '.', '_' or '-' (no path separators)")
        self.source = source
        self.release_id = release_id
        self.source_dir = Path(landing_root) / source
        self.release_dir = self.source_dir / release_id
        self._check_free()
        self.source_dir.mkdir(parents=True, exist_ok=True)
        self.dir = self.source_dir / f"{PARTIAL_PREFIX}{release_id}"
        self._lock_path = self.dir.with_name(self.dir.name + ".lock")
        self._lock = _try_lock(self._lock_path)
        if self._lock is None:
            raise ConfigError(f"{self.dir}: another corridor fetch is writing release {release_id} (wait for it, or pick "
                              "another --release)")
        try:
            self.removed_stale = clean_stale_partials(self.source_dir)
            if self.dir.exists():  # our own release id's leftover (its fetch is gone: we hold the lock)
                shutil.rmtree(self.dir)
                self.removed_stale.append(self.dir)
            self.dir.mkdir()
            self.started_at = utc_now()
            self.query = query
            self.extra = dict(extra or {})
            self.files: list[dict] = []
            self.complete = False
            self.published = False
            self.error: str | None = None
            self.write_manifest()
        except BaseException:
            self._unlock()
            raise

    def _check_free(self) -> None:
        if self.release_dir.is_symlink() or (self.release_dir.exists() and (
                not self.release_dir.is_dir() or any(self.release_dir.iterdir()))):
            raise ConfigError(f"{self.release_dir}: release folder already exists and is not empty "
                              "(raw files are never overwritten; pick another --release)")

    def _unlock(self) -> None:
        if self._lock is not None:
            self._lock_path.unlink(missing_ok=True)
            os.close(self._lock)
            self._lock = None

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

    def finish(self, error: BaseException | None = None) -> Path:
        """End the fetch. Without ``error``: mark it complete, verify every file against the manifest
        and publish the folder as the release (returned). With ``error``, or when the verification
        fails (:class:`ReleaseError`, raised): nothing is published; the partial folder keeps the
        responses and the manifest with ``complete: false`` and the error (removed if it holds none)."""
        if self._lock is None:
            raise ConfigError(f"{self.dir}: this fetch has already finished")
        try:
            if error is not None:
                self._abandon(error)
                return self.dir
            self.complete, self.error = True, None
            self.write_manifest()
            try:
                verify_release(self.dir, label=f"{self.source}/{self.release_id}")
            except ReleaseError as exc:
                self._abandon(exc)
                raise
            self._check_free()
            os.rename(self.dir, self.release_dir)
            _fsync_dir(self.source_dir)
            self.dir, self.published = self.release_dir, True
            return self.dir
        finally:
            self._unlock()

    def _abandon(self, error: BaseException) -> None:
        self.complete, self.error = False, _one_line(str(error))
        if self.files:
            self.write_manifest()
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

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


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def data_files(release_dir: str | Path) -> list[Path]:
    """The data responses of a fetched release, in call order (as listed in its manifest), after
    :func:`~orchestration.lib.connectors.releases.verify_release` (raises ReleaseError)."""
    return verify_release(release_dir)


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
