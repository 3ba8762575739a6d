"""Fetched releases: which data files of the API connectors' landing zones a build may load."""

from orchestration.lib.connectors.releases import fetched_release_files  # noqa: F401 (verified against their manifest)
