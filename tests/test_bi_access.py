"""A BI tool's connection (SQLAlchemy + duckdb-engine, as Apache Superset uses) is read-only."""

import pytest
import sqlalchemy as sa


@pytest.fixture(scope="module")
def engine(built_warehouse):
    # the URL documented in the README's "Connect your BI tool"
    engine = sa.create_engine(f"duckdb:///{built_warehouse}?access_mode=read_only")
    yield engine
    # close the pooled connections: DuckDB refuses a second in-process connection to the same file
    # with another configuration while this one is open
    engine.dispose()


def test_bi_connection_reads_the_marts(engine):
    with engine.connect() as conn:
        rank, share = conn.execute(sa.text(
            "select rank, round(share_pct, 2) from marts.partner_shares "
            "where reporter_iso3 = 'AZE' and partner_iso3 = 'CHN' and flow = 'turnover' and year = 2019")).one()
    assert (rank, share) == (4, 6.56)


@pytest.mark.parametrize("statement", [
    "delete from marts.partner_shares",
    "create table marts.scratch as select 1 as x",
    "update marts.dim_countries set name = 'x'",
])
def test_writes_through_the_bi_connection_fail(engine, statement):
    with engine.connect() as conn:
        with pytest.raises(sa.exc.DBAPIError, match="read-only"):
            conn.execute(sa.text(statement))
    with engine.connect() as conn:  # and nothing changed
        assert conn.execute(sa.text("select count(*) from marts.dim_countries where name = 'x'")).scalar() == 0
