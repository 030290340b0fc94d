#!/bin/bash
# Runs once, when the PostgreSQL data volume is first initialised (docker-entrypoint-initdb.d): one
# database per service, owned by the compose deployment's user ($POSTGRES_USER).
set -euo pipefail

for database in users products orders payments notifications; do
  psql --no-psqlrc -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v database="$database" <<'SQL'
CREATE DATABASE :"database";
SQL
done
