#!/usr/bin/env bash
# Nightly backup of Neural Terminal's database (README: Hosting), e.g. from cron:
#   15 3 * * * postgres /opt/neural-terminal/deploy/backup.sh /var/backups/neural-terminal
# A custom-format dump (pg_restore reads it), one per day, the last 14 kept. Redis holds
# nothing that needs a backup: tab state, leases and live text are rebuilt as pages reconnect.
set -euo pipefail
dir="${1:-/var/backups/neural-terminal}"
database="${NEURAL_TERMINAL_DATABASE:-neural_terminal}"
mkdir -p "$dir"
pg_dump --format=custom --file="$dir/$database-$(date +%F).dump" "$database"
find "$dir" -name "$database-*.dump" -mtime +14 -delete
