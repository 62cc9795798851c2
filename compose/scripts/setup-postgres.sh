#!/bin/sh
# Creates (or upgrades) Temporal's two PostgreSQL databases with Temporal's own temporal-sql-tool, as Temporal's compose
# examples do. Every step is idempotent, so this runs on each `docker compose up` and applies schema upgrades after
# an image bump.
set -eu

# Where temporal-sql-tool's schema files are: /etc/temporal/schema in the admin-tools image; the local cluster of
# `npm run test:cluster` points it at the files of the Temporal server module it built.
schema_dir="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema}"

# The password comes from SQL_PASSWORD, which temporal-sql-tool reads itself (so it never shows in `ps`).
sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}

for db in temporal temporal_visibility; do
  case "$db" in
    temporal) schema=temporal ;;
    temporal_visibility) schema=visibility ;;
  esac
  echo "setup-postgres: database $db"
  sql_tool --db "$db" create
  sql_tool --db "$db" setup-schema -v 0.0
  sql_tool --db "$db" update-schema -d "$schema_dir/postgresql/v12/$schema/versioned"
done
echo "setup-postgres: done"
