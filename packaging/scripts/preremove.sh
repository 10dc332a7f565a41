#!/bin/sh
# Stops and disables the units when the package goes away (not on upgrade).
# deb: $1 = remove|upgrade|deconfigure; rpm: $1 = 0 (erase) or 1 (upgrade).
set -e
case "$1" in
remove|0)
	if [ -d /run/systemd/system ]; then
		systemctl disable --now packuilon-builder.service packuilon-watch.service \
			packuilon-watch-once.timer packuilon-watch-once.service >/dev/null 2>&1 || true
	fi
	;;
esac
