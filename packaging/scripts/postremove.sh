#!/bin/sh
# deb: $1 = remove|purge|upgrade|...; rpm: $1 = 0 (erase) or 1 (upgrade). Purge (deb) removes
# the build store, build files, logs and caches; the packuilon user is kept (files elsewhere
# may still belong to it). rpm keeps the data, as rpm does.
set -e
if [ "$1" = purge ]; then
	rm -rf /var/lib/packuilon /var/log/packuilon /var/cache/packuilon
fi
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
fi
