#!/usr/bin/env bash
# Runs every test: unit, integration (sandbox over HTTP, real SQLite, moto, AWS CLI), bUnit and
# end-to-end in a real Chromium, and the PostgreSQL tests. Installs what a fresh Debian machine lacks
# (Chromium, PostgreSQL) first. No server is started here: the PostgreSQL tests run their own throwaway
# cluster (tests/BatchInsights.Tests/Postgres/PostgresServerFixture.cs), or use BATCHINSIGHTS_TEST_POSTGRES.
set -euo pipefail
cd "$(dirname "$0")"

need_apt=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need_apt+=(chromium)
# Debian keeps initdb/pg_ctl in /usr/lib/postgresql/<major>/bin, off PATH.
if [ -z "${BATCHINSIGHTS_TEST_POSTGRES:-}" ] && ! command -v initdb >/dev/null 2>&1 \
   && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  need_apt+=(postgresql)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "test.sh: installing ${need_apt[*]} from apt (needed by the end-to-end and PostgreSQL tests)"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
dotnet build BatchInsights.sln -c Debug
dotnet test BatchInsights.sln -c Debug --no-build "$@"
