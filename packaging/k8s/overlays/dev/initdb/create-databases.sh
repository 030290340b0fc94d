#!/bin/bash
# Runs once, when the dev PostgreSQL data folder is first initialised (docker-entrypoint-initdb.d):
# one role and one database per service, each role the owner of its own database and nothing else.
# Passwords come from the Secret fleetdeck-postgres (README.md), never from this file.
set -euo pipefail

for service in users products orders payments notifications; do
  variable="${service^^}_PASSWORD"
  password="${!variable:?$variable is not set (Secret fleetdeck-postgres, key $service-password)}"
  psql --no-psqlrc -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v service="$service" -v password="$password" <<'SQL'
CREATE ROLE :"service" LOGIN PASSWORD :'password';
CREATE DATABASE :"service" OWNER :"service";
REVOKE ALL ON DATABASE :"service" FROM PUBLIC;
SQL
done
