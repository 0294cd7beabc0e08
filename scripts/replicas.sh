#!/usr/bin/env bash
# One app server against replicas behind a real nginx (deploy/nginx.conf), on loopback, without
# containers: bench/load_replicas.py does the work. Options go to it, the rest to bench.load, e.g.
#   scripts/replicas.sh --ramp 10,20,30,40,60 --minutes 2      # capacity of 1 server and of 2 replicas
#   scripts/replicas.sh --replicas 2 --skip-single --sessions 3 --minutes 1
set -euo pipefail
cd "$(dirname "$0")/.."
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || {
  echo "nginx is missing: apt-get install -y nginx (Debian's package; it is run as you, not as a service)" >&2
  exit 1
}
exec .venv/bin/python -m bench.load_replicas "$@"
