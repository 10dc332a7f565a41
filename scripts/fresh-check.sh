#!/usr/bin/env bash
# Runs a command (default: make test) as on a machine that never had Keystone, Glance, RabbitMQ
# or Rally set up: in a private mount namespace where the host's configuration and state
# directories of those services are replaced by empty ones, and with a new TMPDIR (so no
# database cached by an earlier run is reused). A test service that still reads a default under
# /etc/keystone, /etc/glance, /etc/rabbitmq, /etc/rally or ~/.rally fails here, even on a machine
# with leftovers of an earlier install. .ci/run uses it; needs root (mount namespaces).
#
# With --poison the hidden directories are not left empty but hold files that break the services
# if they are read (a keystone.conf.d with an unknown token provider, deny-all policies, a paste
# file that is not one, a rabbitmq-env.conf with another port, an advanced.config that is not
# Erlang, ...): leftovers of any kind are then proven harmless, not merely absent.
#
#   scripts/fresh-check.sh                # make test
#   scripts/fresh-check.sh make demo
#   scripts/fresh-check.sh --poison go test ./internal/testenv/
set -euo pipefail
cd "$(dirname "$0")/.."
poison=""
if [ "${1:-}" = "--poison" ]; then
  poison=1
  shift
fi
export PACKUILON_FRESH_POISON="${PACKUILON_FRESH_POISON:-$poison}"
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
if [ -n "$PACKUILON_FRESH_POISON" ]; then
  for d in /etc/keystone /etc/glance /etc/rabbitmq; do
    [ -d "$d" ] || continue
    mountpoint -q "$d" || mount -t tmpfs -o mode=0755,size=1m packuilon-fresh "$d"
  done
  mkdir -p /etc/keystone/keystone.conf.d /etc/keystone/policy.d /etc/keystone/fernet-keys \
           /etc/glance/glance-api.conf.d /etc/glance/policy.d /etc/rabbitmq/conf.d
  printf '[token]\nprovider = no-such-provider\n[database]\nconnection = sqlite:////nonexistent/x.db\n' \
    | tee /etc/keystone/keystone.conf.d/poison.conf /etc/keystone/keystone.conf >/dev/null
  printf '"identity:get_project": "!"\n"identity:list_projects": "!"\n"admin_required": "!"\n' \
    | tee /etc/keystone/policy.d/poison.yaml /etc/keystone/policy.yaml >/dev/null
  printf '[DEFAULT]\nworkers = not-a-number\nbind_port = 1\n' \
    | tee /etc/glance/glance-api.conf.d/poison.conf /etc/glance/glance-api.conf >/dev/null
  printf '"get_images": "!"\n"add_image": "!"\n' | tee /etc/glance/policy.d/poison.yaml /etc/glance/policy.yaml >/dev/null
  echo 'not a paste file' >/etc/glance/glance-api-paste.ini
  echo '{"bogus": {"type": "nonsense"}}' >/etc/glance/schema-image.json
  touch /etc/glance/healthcheck_disable
  printf 'NODE_PORT=1\nCONFIG_FILE=/nonexistent/rabbitmq\n' >/etc/rabbitmq/rabbitmq-env.conf
  echo 'not a rabbitmq config' | tee /etc/rabbitmq/rabbitmq.conf /etc/rabbitmq/conf.d/poison.conf >/dev/null
  echo 'not erlang' >/etc/rabbitmq/advanced.config
  echo "fresh-check: /etc/keystone, /etc/glance and /etc/rabbitmq hold poisoned configuration"
fi
TMPDIR="$(mktemp -d /tmp/packuilon-fresh.XXXXXX)"
# Like /tmp itself: services that run as another user (PostgreSQL's initdb refuses root) must
# reach their directories under it.
chmod 1777 "$TMPDIR"
export TMPDIR
echo "fresh-check: hidden in this namespace: ${hidden[*]:-none}; TMPDIR=$TMPDIR"
[ $# -gt 0 ] || set -- make test
status=0
"$@" || status=$?
if [ "$status" -eq 0 ]; then
  rm -rf "$TMPDIR"
else
  echo "fresh-check: failed (status $status); the services' files and logs are kept under $TMPDIR" >&2
fi
exit "$status"
