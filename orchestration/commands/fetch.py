"""``corridor fetch``: download a corridor from UN Comtrade or the IMF into the raw folder.

    corridor fetch comtrade --reporter AZE --partner CHN,WLD --period 2019,2020
    corridor fetch imf --reporter AZE --partner CHN,WLD --start 2015 --end 2024
    corridor fetch verify                  # every fetched release against its manifest

Countries are given as Corridor codes (ISO3; WLD for the world) and translated to each API's own
(:mod:`orchestration.lib.connectors.areas`); the API's own codes are accepted too. Every response
is saved as delivered into a hidden partial folder, which becomes ``raw/<api>/<release>/`` only
when the fetch completed and every file matches its manifest checksum. Exit codes: 0 saved,
1 the API or the saved files failed (one line on stderr), 2 a usage error.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from orchestration.lib.errors import ConfigError, CorridorError

fetch_app = typer.Typer(
    name="fetch",
    help="Download from UN Comtrade or the IMF into raw/<api>/<release>/ (needs network; "
    "then `corridor build`).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

COMTRADE_EXAMPLE = """[bold]Example[/bold]: Azerbaijan's annual trade with China and the World

  export COMTRADE_API_KEY=...
  corridor fetch comtrade --reporter AZE --partner CHN,WLD --period 2019,2020
  corridor build

Countries are Corridor's ISO3 codes (AZE, CHN, USA; WLD = World), sent as
Comtrade's numeric codes (AZE 31, USA 842, FRA 251, IND 699, CHE 757, WLD 0:
raw/reference/baci_comtrade_country_codes_V202201.csv and
raw/reference/source_area_codes.csv); numeric codes are accepted as well.
COMTRADE_API_KEY is sent as a header, never stored; COMTRADE_BASE_URL points
the fetch at a mirror or a test server."""

IMF_EXAMPLE = """[bold]Example[/bold]: Azerbaijan's exports and imports with China and the World

  corridor fetch imf --reporter AZE --partner CHN,WLD --start 2015 --end 2024
  corridor build

Countries are Corridor's ISO3 codes (AZE, CHN, USA; WLD = World), sent as the
IMF's codes (AZE AZ, USA US, WLD W00: raw/reference/country-codes.csv and
raw/reference/source_area_codes.csv); IMF codes are accepted as well.
IMF_API_KEY (optional) is sent as a header, never stored; IMF_SDMX_BASE_URL
points the fetch at a mirror or a test server."""

VERIFY_EXAMPLE = """[bold]Example[/bold]:

  corridor fetch verify                         # every release in raw/comtrade and raw/imf_sdmx
  corridor fetch verify raw/comtrade/2024-05-01"""

TIMEOUT_HELP = ("give up on an unreachable or silent API after this many seconds (connect and read "
                "timeouts and retries included)")
RELEASE_HELP = "release id, the folder name under raw/<api>/ (default: the UTC time, e.g. 20240501T100000Z)"


class Freq(str, Enum):
    A = "A"
    M = "M"


def _say(message: str = "") -> None:
    print(message, flush=True)


def _fail(message: str, code: int = 1) -> typer.Exit:
    print(f"corridor: {message}", file=sys.stderr, flush=True)
    return typer.Exit(code)


class Progress:
    """Progress of a fetch: one line per page (or retry) on a pipe or file; a rich progress bar on a
    terminal. Called as ``progress(message, done=None, total=None)``."""

    def __init__(self, stream=None, force_terminal: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty() if force_terminal is None else force_terminal
        self._bar = None
        self._task = None

    def __enter__(self) -> "Progress":
        if self.tty:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, SpinnerColumn, TextColumn, TimeElapsedColumn

            console = Console(file=self.stream, force_terminal=True)
            self._bar = Bar(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=console, transient=False)
            self._bar.__enter__()
            self._task = self._bar.add_task("connecting", total=None)
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
            self._bar = None

    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None:
        if self._bar is None:
            print(f"  {message}", file=self.stream, flush=True)
            return
        if done is None:  # a retry: keep it on screen above the bar
            self._bar.console.print(f"  {message}", markup=False, highlight=False)
        self._bar.update(self._task, description=message, completed=done, total=total)


def _timeouts(timeout: float) -> dict:
    from orchestration.lib.connectors.http import CONNECT_TIMEOUT

    if timeout <= 0:
        raise _fail(f"--timeout {timeout:g}: must be a positive number of seconds", 2)
    connect = min(CONNECT_TIMEOUT, timeout / 5)  # 25 s: 5 s to connect, 20 s of silence, 25 s in all
    return {"connect_timeout": connect, "timeout": timeout - connect, "give_up_after": timeout}


def _translate(api: str, option: str, value: str, single: bool = False) -> list[tuple[str, str]]:
    from orchestration.lib.connectors.areas import UnknownAreaCode, area_codes

    try:
        pairs = area_codes(api).translate_all(value, option)
    except UnknownAreaCode as exc:
        raise _fail(str(exc), 2) from None
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    if single and len(pairs) > 1:
        raise _fail(f"{option} {value!r}: one code only (one reporter per IMF fetch)", 2)
    return pairs


def _shown(pairs: list[tuple[str, str]], most: int = 8) -> str:
    shown = ", ".join(typed if typed == code else f"{typed} ({code})" for typed, code in pairs[:most])
    return shown + (f", … ({len(pairs)} in all)" if len(pairs) > most else "")


def _run(api: str, folder: str, release: str | None, fetch_call, parse_release) -> None:
    """Run a fetch with progress; one line and exit 1 if it fails, else a summary of the release."""
    from orchestration import constants
    from orchestration.lib.connectors.http import ConnectorError, default_release_id
    from orchestration.lib.connectors.releases import ReleaseError

    release = release or default_release_id()
    raw = constants.raw_dir()
    partial = raw / folder / f".partial-{release}"
    try:
        with Progress() as progress:
            saved = fetch_call(raw, release, progress)
    except ConfigError as exc:  # an existing release folder, a bad release id, a fetch already running
        raise _fail(str(exc), 2) from None
    except (ConnectorError, ReleaseError) as exc:
        what = exc.brief() if isinstance(exc, ConnectorError) else f"verification failed: {exc}"
        kept = (f"; the responses received are in {partial} (not loaded; removed by the next fetch)"
                if partial.exists() else f"; nothing was written to {raw / folder}")
        raise _fail(f"fetch {api} failed: {what}{kept}") from None
    except KeyboardInterrupt:
        raise _fail(f"fetch {api} interrupted; nothing was published in {raw / folder}", 130) from None
    try:
        result = parse_release(saved)
    except CorridorError as exc:
        raise _fail(f"{saved} was saved and verified, but a response cannot be read: {exc}") from None
    files = len(list(p for p in saved.iterdir() if p.name != "manifest.json"))
    _say(f"saved {saved}/ ({files} response file(s), sha256 verified against manifest.json): "
         f"{result.rows.height:,} rows, {result.quarantine.height:,} set aside")
    _say("next: corridor build")


@fetch_app.command("comtrade", epilog=COMTRADE_EXAMPLE, no_args_is_help=True)
def comtrade(
    reporter: Annotated[str, typer.Option(help="reporter(s), comma-separated: ISO3 (AZE) or Comtrade numeric (31)",
                                          show_default=False)],
    partner: Annotated[str, typer.Option(help="partner(s), comma-separated: ISO3 (CHN,WLD) or Comtrade numeric (156,0)",
                                         show_default=False)],
    period: Annotated[str, typer.Option(help="years (2019,2020) or, with --freq M, months (202301,202302)",
                                        show_default=False)],
    freq: Annotated[Freq, typer.Option(help="A annual, M monthly", case_sensitive=False)] = Freq.A,
    cmd: Annotated[str, typer.Option(help="commodity codes: TOTAL or HS codes, comma-separated")] = "TOTAL",
    flow: Annotated[str, typer.Option(help="flows: X exports, M imports")] = "X,M",
    release: Annotated[str | None, typer.Option(help=RELEASE_HELP, show_default=False)] = None,
    timeout: Annotated[float, typer.Option(help=TIMEOUT_HELP)] = 25.0,
) -> None:
    """Fetch UN Comtrade final trade data (goods, by reporter, partner, period, flow, commodity) into raw/comtrade/."""
    from orchestration.lib.connectors.comtrade import API_KEY_ENV, ComtradeQuery, fetch_comtrade, parse_comtrade_release

    limits = _timeouts(timeout)
    reporters = _translate("comtrade", "--reporter", reporter)
    partners = _translate("comtrade", "--partner", partner)
    try:
        query = ComtradeQuery(reporter_codes=[c for _, c in reporters], partner_codes=[c for _, c in partners],
                              periods=period, cmd_codes=cmd, flow_codes=flow, freq=freq.value)
    except ConfigError as exc:
        raise _fail(str(exc), 2) from None
    key = "COMTRADE_API_KEY set (sent as a header, never stored)" if os.environ.get(API_KEY_ENV) else \
        "no COMTRADE_API_KEY set"
    _say(f"corridor fetch comtrade: reporter {_shown(reporters)}; partner {_shown(partners)}; period "
         f"{','.join(query.periods)} ({'annual' if query.freq == 'A' else 'monthly'}); {','.join(query.cmd_codes)}; "
         f"flows {','.join(query.flow_codes)}; {key}")
    _run("comtrade", "comtrade", release,
         lambda raw, rel, progress: fetch_comtrade(query, raw, rel, progress=progress, **limits),
         parse_comtrade_release)


@fetch_app.command("imf", epilog=IMF_EXAMPLE, no_args_is_help=True)
def imf(
    reporter: Annotated[str, typer.Option(help="one reporter: ISO3 (AZE) or IMF code (AZ)", show_default=False)],
    partner: Annotated[str, typer.Option(help="partner(s), comma-separated: ISO3 (CHN,WLD) or IMF codes (CN,W00)",
                                         show_default=False)],
    start: Annotated[str, typer.Option(help="first period: YYYY, or YYYY-MM with --freq M", show_default=False)],
    end: Annotated[str, typer.Option(help="last period: YYYY, or YYYY-MM with --freq M", show_default=False)],
    freq: Annotated[Freq, typer.Option(help="A annual, M monthly", case_sensitive=False)] = Freq.A,
    release: Annotated[str | None, typer.Option(help=RELEASE_HELP, show_default=False)] = None,
    timeout: Annotated[float, typer.Option(help=TIMEOUT_HELP)] = 25.0,
) -> None:
    """Fetch IMF International Merchandise Trade Statistics (exports FOB, imports CIF by partner) over SDMX into raw/imf_sdmx/."""
    from orchestration.lib.connectors.imf_sdmx import check_period, fetch_imts, parse_imts_release

    limits = _timeouts(timeout)
    reporters = _translate("imf_sdmx", "--reporter", reporter, single=True)
    partners = _translate("imf_sdmx", "--partner", partner)
    try:
        first, last = check_period(start, "--start"), check_period(end, "--end")
    except ConfigError as exc:
        raise _fail(str(exc), 2) from None
    if first > last:
        raise _fail(f"--start {first} is after --end {last}", 2)
    _say(f"corridor fetch imf: reporter {_shown(reporters)}; partner {_shown(partners)}; {first} to {last} "
         f"({'annual' if freq.value == 'A' else 'monthly'}); IMTS exports FOB and imports CIF")
    _run("imf", "imf_sdmx", release,
         lambda raw, rel, progress: fetch_imts(reporters[0][1], [c for _, c in partners], first, last, raw, rel,
                                              freq=freq.value, progress=progress, **limits),
         parse_imts_release)


@fetch_app.command("verify", epilog=VERIFY_EXAMPLE)
def verify(
    releases: Annotated[list[Path] | None, typer.Argument(help="release folders (default: every release in "
                                                          "raw/comtrade and raw/imf_sdmx)", show_default=False)] = None,
) -> None:
    """Check fetched releases against their manifest.json: complete, well-formed, every file listed and its sha256 unchanged."""
    from orchestration import constants
    from orchestration.lib.connectors.releases import ReleaseError, release_dirs, verify_release

    raw = constants.raw_dir()
    folders = list(releases or [d for folder in ("comtrade", "imf_sdmx") for d in release_dirs(raw / folder)])
    if not folders:
        _say(f"no fetched release in {raw / 'comtrade'} or {raw / 'imf_sdmx'}")
        return
    failed = 0
    for folder in folders:
        try:
            data = verify_release(folder)
        except ReleaseError as exc:
            print(f"corridor: {exc}", file=sys.stderr, flush=True)
            failed += 1
            continue
        _say(f"ok {folder.parent.name}/{folder.name} ({len(data)} data file(s), sha256 as in manifest.json)")
    if failed:
        raise typer.Exit(1)


def main(argv: list[str] | None = None) -> int:
    """Run ``corridor fetch …`` with ``argv`` (after ``fetch``); usage errors are one line, exit 2."""
    try:  # typer >= 0.2x carries its own copy of click
        from typer._click import exceptions as click_errors
    except ImportError:  # pragma: no cover - older typer on plain click
        from click import exceptions as click_errors

    command = typer.main.get_command(fetch_app)
    try:
        code = command.main(args=list(sys.argv[1:] if argv is None else argv), prog_name="corridor fetch",
                            standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except click_errors.NoArgsIsHelpError as exc:  # the help is shown (rich prints it while it is built)
        message = exc.format_message().strip()
        if message:
            print(message, flush=True)
        return 2
    except click_errors.UsageError as exc:
        name = exc.ctx.command_path if exc.ctx is not None else "corridor fetch"
        message = exc.format_message()
        if isinstance(exc, click_errors.NoSuchOption):
            owners = [f"`corridor fetch {n}`" for n, c in command.commands.items()
                      if any(exc.option_name in p.opts for p in c.params)]
            if owners:  # an option of the other API
                message = f"No such option: {exc.option_name} (it is an option of {' and '.join(owners)})"
        print(f"corridor: {message} (see `{name} --help`)", file=sys.stderr, flush=True)
        return 2
    except typer.Abort:
        return 130
    except CorridorError as exc:  # the last line of defence: one line, not a traceback
        print(f"corridor: {exc}", file=sys.stderr, flush=True)
        return 1
    except Exception as exc:
        if os.environ.get("CORRIDOR_DEBUG"):
            raise
        print(f"corridor: {type(exc).__name__}: {exc} (set CORRIDOR_DEBUG=1 for the traceback)", file=sys.stderr, flush=True)
        return 1
    return code if isinstance(code, int) else 0  # typer returns the code of an Exit raised by a command
