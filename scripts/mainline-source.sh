#!/bin/bash
# Fetch and check the mainline series' kernel source (scripts/versions.sh):
# the linux-source-7.2 package of Debian sid, by URL into the cache outside
# the clone, its SHA256 checked, its tarball taken out. Prints the
# tarball's path. Idempotent: a cached, checked tarball is used as it is.
set -eu

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/versions.sh
. "$here/versions.sh"

v="$MAINLINE_DEB_VERSION"
deb="${MAINLINE_PACKAGE}_${v}_all.deb"
tarball="$MAINLINE_CACHE/$v/$MAINLINE_PACKAGE.tar.xz"
url="$MAINLINE_ARCHIVE/pool/main/l/linux/$deb"

if [ -s "$tarball" ] && [ -f "$tarball.ok" ]; then
	echo "$tarball"
	exit 0
fi
mkdir -p "$MAINLINE_CACHE/$v"

if [ "$v" = "$MAINLINE_PIN_VERSION" ]; then
	sha="$MAINLINE_PIN_SHA256"
else
	echo "mainline: $MAINLINE_PACKAGE $v (MAINLINE_VERSION) instead of the pinned $MAINLINE_PIN_VERSION: its SHA256 from $MAINLINE_SUITE's index" >&2
	sha="$(curl -fsS "$MAINLINE_ARCHIVE/dists/$MAINLINE_SUITE/main/binary-all/Packages.xz" |
		xz -dc | awk -v p="$MAINLINE_PACKAGE" -v v="$v" '
			$1 == "Package:" { ok = ($2 == p) }
			ok && $1 == "Version:" { ok = ($2 == v) }
			ok && $1 == "SHA256:" { print $2; exit }')" || sha=""
	if [ -z "$sha" ]; then
		echo "mainline: $MAINLINE_PACKAGE $v is not in $MAINLINE_SUITE's index" >&2
		exit 1
	fi
fi

if [ ! -f "$MAINLINE_CACHE/$v/$deb" ] ||
   ! echo "$sha  $MAINLINE_CACHE/$v/$deb" | sha256sum -c --quiet - 2>/dev/null; then
	echo "mainline: fetching $url (about 160 MB)" >&2
	if ! curl -fsS -o "$MAINLINE_CACHE/$v/$deb.part" "$url"; then
		cat >&2 <<-MSG
		mainline: $url cannot be fetched: $MAINLINE_PACKAGE $v may have
		mainline: left $MAINLINE_SUITE. Take a version it has with MAINLINE_VERSION=...
		mainline: (see $MAINLINE_ARCHIVE/dists/$MAINLINE_SUITE/main/binary-all/Packages.xz),
		mainline: which makes the mainline tree again from that version.
		MSG
		exit 1
	fi
	mv "$MAINLINE_CACHE/$v/$deb.part" "$MAINLINE_CACHE/$v/$deb"
fi
if ! echo "$sha  $MAINLINE_CACHE/$v/$deb" | sha256sum -c --quiet -; then
	echo "mainline: $deb does not have the SHA256 $sha; removed" >&2
	rm -f "$MAINLINE_CACHE/$v/$deb"
	exit 1
fi

echo "mainline: taking /usr/src/$MAINLINE_PACKAGE.tar.xz out of $deb" >&2
dpkg-deb --fsys-tarfile "$MAINLINE_CACHE/$v/$deb" |
	tar -xOf - "./usr/src/$MAINLINE_PACKAGE.tar.xz" >"$tarball.part"
mv "$tarball.part" "$tarball"
: >"$tarball.ok"
echo "$tarball"
