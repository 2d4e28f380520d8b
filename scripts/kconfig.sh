# shellcheck shell=bash
# Sourced. make_config SRC OBJ FRAGMENT...: write OBJ/.config.new as
# "make tinyconfig" plus the fragments, then olddefconfig.
make_config() {
	local src="$1" obj="$2"
	shift 2
	make -s -C "$src" O="$obj" KCONFIG_CONFIG=.config.new tinyconfig >/dev/null
	(cd "$src" && KCONFIG_CONFIG="$obj/.config.new" \
		./scripts/kconfig/merge_config.sh -m "$obj/.config.new" "$@" >/dev/null)
	make -s -C "$src" O="$obj" KCONFIG_CONFIG=.config.new olddefconfig >/dev/null
}

# install_config OBJ: replace OBJ/.config only when it changed, so kbuild
# keeps what it built.
install_config() {
	if cmp -s "$1/.config.new" "$1/.config"; then
		rm -f "$1/.config.new"
	else
		mv "$1/.config.new" "$1/.config"
	fi
}

# kbuild_env: what every kernel build of ours runs with. Objects go through
# ccache, its cache outside the clone (IOPF_CACHE, default
# /var/cache/iopf-vfio), with paths relative to the clone, so a fresh clone
# on the same machine recompiles only what changed; the kernel's timestamp,
# build host and user are fixed, so every object is the same. Debian's
# ccache masquerades as gcc from /usr/lib/ccache, so kbuild's command lines
# do not change.
kbuild_env() {
	export CCACHE_DIR="${IOPF_CACHE:-/var/cache/iopf-vfio}/ccache"
	export CCACHE_BASEDIR="$top" CCACHE_NOHASHDIR=true CCACHE_MAXSIZE=8G
	export KBUILD_BUILD_TIMESTAMP="@0" KBUILD_BUILD_HOST=iopf KBUILD_BUILD_USER=iopf
	mkdir -p "$CCACHE_DIR"
	case ":$PATH:" in
	*:/usr/lib/ccache:*) ;;
	*) PATH="/usr/lib/ccache:$PATH" ;;
	esac
}
