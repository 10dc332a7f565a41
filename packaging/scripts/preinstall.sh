#!/bin/sh
# Creates the packuilon user before the files are unpacked, so that the configuration files
# that hold secrets are installed root:packuilon 0640. deb: $1 = install|upgrade; rpm: $1 = 1|2.
set -e
if ! getent passwd packuilon >/dev/null 2>&1; then
	if command -v systemd-sysusers >/dev/null 2>&1; then
		echo 'u packuilon - "packuilon image factory" /var/lib/packuilon' | systemd-sysusers -
	else
		useradd --system --user-group --home-dir /var/lib/packuilon --no-create-home \
			--shell /usr/sbin/nologin --comment "packuilon image factory" packuilon
	fi
fi
