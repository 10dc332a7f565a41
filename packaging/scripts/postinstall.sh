#!/bin/sh
# deb: $1 = configure; rpm: $1 = 1 (install) or 2 (upgrade). The daemons are neither enabled nor
# restarted: check the configuration first (packuilon check-config), then enable them.
set -e
if command -v systemd-sysusers >/dev/null 2>&1; then
	systemd-sysusers packuilon.conf
fi
if command -v systemd-tmpfiles >/dev/null 2>&1; then
	systemd-tmpfiles --create packuilon.conf
fi
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
fi
