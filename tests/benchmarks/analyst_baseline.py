"""The baseline "what an analyst would write": partner shares from IMF DOTS workbooks with pandas
and openpyxl, written into a DuckDB file.

    python -m tests.benchmarks.analyst_baseline <folder of DOTS workbooks> <output .duckdb>

Written the straightforward way (read each workbook with ``pandas.read_excel``, reshape, merge on
the World row, one ``CREATE TABLE`` from the data frame): not optimised, not sabotaged. It knows
the layout of the IMF export (reporter in B4, unit in B5, years in row 7, partners from row 8 in
column B), as an analyst who opened one file would. It does none of what Corridor adds (name
resolution, checks, lineage, quarantine, versions, the other marts, docs): the benchmark compares
the build with it because it is the work a user would otherwise do by hand.
"""

import sys
from pathlib import Path

import duckdb
import pandas as pd


def read_workbook(path):
    """Every figure of one DOTS workbook as rows (reporter, partner, flow, year, value_usd)."""
    frames = []
    sheets = pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl")
    for sheet_name, sheet in sheets.items():
        reporter = sheet.iloc[3, 1]
        unit = sheet.iloc[4, 1]
        if unit != "US Dollars, Millions":
            raise ValueError(f"{path} [{sheet_name}]: unexpected unit {unit!r}")
        years = [int(float(y)) for y in sheet.iloc[6, 2:]]
        table = sheet.iloc[7:, 1:]
        table.columns = ["partner"] + years
        long = table.melt(id_vars="partner", var_name="year", value_name="value")
        long = long.dropna(subset=["value"])
        # IMF estimates are text such as "12.3456 e"
        long["value"] = pd.to_numeric(long["value"].astype(str).str.replace(" e", "", regex=False))
        long["value_usd"] = long["value"] * 1_000_000
        long["reporter"] = reporter
        long["flow"] = "exports" if sheet_name.startswith("Exports") else "imports"
        frames.append(long[["reporter", "partner", "flow", "year", "value_usd"]])
    return pd.concat(frames)


def partner_shares(trade):
    """Each partner's value as a share of the reporter's World total, per reporter × flow × year."""
    trade = trade.drop_duplicates(["reporter", "partner", "flow", "year"])
    world = trade[trade["partner"] == "World"]
    world = world[["reporter", "flow", "year", "value_usd"]].rename(columns={"value_usd": "world_usd"})
    shares = trade[trade["partner"] != "World"].merge(world, on=["reporter", "flow", "year"])
    shares["share_pct"] = 100 * shares["value_usd"] / shares["world_usd"]
    shares["rank"] = shares.groupby(["reporter", "flow", "year"])["value_usd"].rank(ascending=False, method="min")
    return shares


def main(folder, db_path):
    workbooks = sorted(Path(folder).glob("*.xlsx"))
    trade = pd.concat([read_workbook(path) for path in workbooks])
    shares = partner_shares(trade)
    con = duckdb.connect(str(db_path))
    con.execute("create or replace table partner_shares as select * from shares")
    con.close()
    print(f"{len(workbooks)} workbooks, {len(trade)} figures, {len(shares)} partner shares -> {db_path}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
