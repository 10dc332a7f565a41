#!/usr/bin/env bash
# Runs a command (default: make test) as on a machine that never had Keystone, Glance, RabbitMQ
# or Rally set up: in a private mount namespace where the host's configuration and state
# directories of those services are replaced by empty ones, and with a new TMPDIR (so no
# database cached by an earlier run is reused). A test service that still reads a default under
# /etc/keystone, /etc/glance, /etc/rabbitmq, /etc/rally or ~/.rally fails here, even on a machine
# with leftovers of an earlier install. .ci/run uses it; needs root (mount namespaces).
#
#   scripts/fresh-check.sh                # make test
#   scripts/fresh-check.sh make demo
#   scripts/fresh-check.sh go test ./internal/testenv/ -run Hermetic
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${PACKUILON_FRESH_INSIDE:-}" != 1 ]; then
  # Install first, outside: apt must not write the packages' /etc files into the empty mounts.
  ./scripts/deps.sh
  if [ "$(id -u)" -ne 0 ]; then
    echo "fresh-check: needs root for a private mount namespace" >&2
    exit 1
  fi
  PACKUILON_FRESH_INSIDE=1 exec unshare --mount --propagation private -- "$0" "$@"
fi
hidden=()
for d in /etc/keystone /etc/glance /etc/rabbitmq /etc/rally \
         /var/lib/keystone /var/lib/glance /var/lib/rabbitmq /var/lib/rally \
         /var/log/keystone /var/log/glance /var/log/rabbitmq /var/log/rally "$HOME/.rally"; do
  if [ -d "$d" ]; then
    mount -t tmpfs -o mode=0755,size=1m packuilon-fresh "$d"
    hidden+=("$d")
  fi
done
TMPDIR="$(mktemp -d /tmp/packuilon-fresh.XXXXXX)"
export TMPDIR
echo "fresh-check: hidden (empty in this namespace): ${hidden[*]:-none}; TMPDIR=$TMPDIR"
[ $# -gt 0 ] || set -- make test
status=0
"$@" || status=$?
if [ "$status" -eq 0 ]; then
  rm -rf "$TMPDIR"
else
  echo "fresh-check: failed (status $status); the services' files and logs are kept under $TMPDIR" >&2
fi
exit "$status"
