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
