#!/usr/bin/env bash
# Installs from Debian what packuilon's tests and demo need. Idempotent: does nothing when
# everything is there. Services must not start on install: a policy-rc.d that refuses is put in
# place for the duration when the machine has none.
set -euo pipefail
# Every program the tests and demo run, named by its own package even when another one pulls it in
# (keystone brings uwsgi and oslo.config today): uwsgi (Keystone), oslo-config-generator
# (testenv hermetic test), systemd-analyze (scripts/package unit tests; a container has no
# systemd), git (scripts/package version), python3 (testenv's port-owner test serves HTTP with it;
# config and scripts/package tests run it).
PKGS=(util-linux mount rabbitmq-server keystone glance python3-openstackclient sqlite3 curl rally python3-rally-openstack packer time python3-aiosmtpd chromium prometheus rpm postgresql
  uwsgi-core uwsgi-plugin-python3 python3-oslo.config systemd git python3)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PKGS[@]} packages installed"
  exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
created_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  created_policy=1
fi
trap '[ -n "$created_policy" ] && $SUDO rm -f /usr/sbin/policy-rc.d' EXIT
# Another apt (a second make deps, unattended upgrades) may hold the locks: wait for it instead of
# failing. apt-get update does not honour DPkg::Lock::Timeout for its lists lock, hence the loop.
apt_wait() {
  local out
  for _ in $(seq 1 180); do
    if out=$($SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@" 2>&1); then
      printf '%s\n' "$out" | tail -n 3
      return 0
    fi
    if ! grep -q 'Could not get lock\|Unable to lock' <<<"$out"; then
      printf '%s\n' "$out" >&2
      return 1
    fi
    sleep 5
  done
  printf '%s\n' "$out" >&2
  return 1
}
apt_wait update -q
apt_wait install -y -q --no-install-recommends "${missing[@]}"
