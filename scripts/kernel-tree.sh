#!/bin/bash
# The kernel tree: build/linux is a git repository whose first commit
# ("base", tagged) is the pristine Debian source and whose later commits are
# the patches of patches/series, one commit each.
#
#   kernel-tree.sh sync     make build/linux match patches/ (default)
#   kernel-tree.sh export   write build/linux's commits back to patches/
#   kernel-tree.sh status   say how the two relate
#
# The base commit's message names the Debian version it was made from
# (scripts/versions.sh, or KERNEL_VERSION=...); when another version is wanted,
# sync makes build/linux again from that version's source, unless it holds
# work that was never exported.
#
# Two refs record the last agreement between the two sides:
#   refs/tags/exported       the commit that equals patches/
#   .git/iopf-series-hash    the hash of patches/ at that moment
# sync refuses to replace commits that are not exported; export refuses to
# overwrite patches/ that changed since the tree was synced.
#
# The series is applied with "git am" (exact context, no fuzz) in a scratch
# worktree and the result is checked out into build/linux, so only files whose
# content changed get a new mtime and kbuild rebuilds only what they touch.
#
# KERNEL=mainline does the same for the mainline series: build/linux-mainline
# and patches/mainline/, on the source scripts/mainline-source.sh fetches
# (MAINLINE_VERSION=... instead of KERNEL_VERSION=...).
set -eu

top="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/versions.sh
. "$top/scripts/versions.sh"
# shellcheck source=scripts/kernel-select.sh
. "$top/scripts/kernel-select.sh"
tree="$series_tree"
scratch="$series_scratch"
pdir="$series_dir"
base_subject="Linux 6.12 from Debian $KERNEL_PACKAGE"
if [ "${KERNEL:-lts}" = mainline ]; then
	KERNEL_PACKAGE="$MAINLINE_PACKAGE"
	KERNEL_DEB_VERSION="$MAINLINE_DEB_VERSION"
	KERNEL_TOPDIR="$MAINLINE_TOPDIR"
	KERNEL_TARBALL=""	# check_source fetches it
	base_subject="Linux 7.2 from Debian $KERNEL_PACKAGE"
fi
# For messages
tname="${tree#"$top"/}"
pname="${pdir#"$top"/}/"

git_tree() { git -C "$tree" "$@"; }

series_list() {
	[ -f "$pdir/series" ] || return 0
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$pdir/series" | grep -v '^$' || true
}

series_hash() {
	{
		cat "$pdir/series" 2>/dev/null || true
		series_list | while read -r p; do
			cat "$pdir/$p"
		done
	} | sha256sum | cut -d' ' -f1
}

ident() {
	git_tree config user.name "$PATCH_AUTHOR_NAME"
	git_tree config user.email "$PATCH_AUTHOR_EMAIL"
	git_tree config core.autocrlf false
	git_tree config gc.auto 0
}

# The version build/linux's base was made from (empty when unknown).
base_version() {
	local s
	s="$(git_tree log -1 --format=%s base 2>/dev/null || true)"
	case "$s" in
	"$base_subject "?*) echo "${s#"$base_subject "}" ;;
	esac
}

# The tarball's path is the same for every version: ask dpkg which it is.
# The mainline source is fetched and checked into the cache instead.
check_source() {
	local have
	if [ "${KERNEL:-lts}" = mainline ]; then
		KERNEL_TARBALL="$("$top/scripts/mainline-source.sh")" || return 1
		return 0
	fi
	have="$(dpkg-query -W -f='${Status} ${Version}' "$KERNEL_PACKAGE" 2>/dev/null || true)"
	case "$have" in
	"install ok installed $KERNEL_DEB_VERSION") return 0 ;;
	"install ok installed "*) have="${have##* } is installed" ;;
	*) have="is not installed" ;;
	esac
	echo "tree: $KERNEL_PACKAGE $KERNEL_DEB_VERSION is wanted but $have; scripts/deps.sh (make tree) installs it" >&2
	return 1
}

create_base() {
	check_source
	echo "tree: unpacking $KERNEL_TARBALL ($KERNEL_DEB_VERSION) into $tname"
	rm -rf "$tree" "$scratch" "$tree.tmp"
	mkdir -p "$tree.tmp"
	# --touch: the files get the time of now, not the tarball's, so build
	# directories made from another version rebuild everything.
	tar -C "$tree.tmp" --touch -xf "$KERNEL_TARBALL"
	mv "$tree.tmp/$KERNEL_TOPDIR" "$tree"
	rmdir "$tree.tmp"
	git -C "$tree" init -q -b work
	ident
	echo "tree: committing the pristine source as 'base'"
	git_tree add -A -f .
	GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" \
	GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" \
		git_tree commit -q -m "$base_subject $KERNEL_DEB_VERSION"
	git_tree tag base
	git_tree tag exported
	: >"$tree/.git/iopf-series-hash"
}

# Debian's .gitignore ignores every top-level path, so a new file added in
# build/linux is "ignored" until "git add -f": count those as edits too.
# checkpatch.pl leaves its CamelCase cache at the top; it is not an edit.
tree_dirty() {
	git_tree status --porcelain --ignored |
		grep -qv '^!! \.checkpatch-camelcase\.'
}

unexported() {
	# Commits or edits in build/linux that patches/ does not hold.
	[ "$(git_tree rev-parse HEAD)" != "$(git_tree rev-parse exported)" ] ||
		tree_dirty
}

# refusal WHY: sync would have to drop unexported work.
refusal() {
	cat >&2 <<-MSG
	tree: $1, but $tname has commits or edits that were
	tree: never exported.  Refusing to overwrite them.  Either export them
	tree: first (make export) or drop them (git -C $tname reset --hard exported).
	MSG
	git_tree log --oneline exported..HEAD >&2 || true
	git_tree status --short --ignored >&2 || true
}

# The version patches/series' header names, if any.
series_version() {
	sed -n "1s/^# Applied in this order on top of $KERNEL_PACKAGE \(.*\)\.\$/\1/p" \
		"$pdir/series" 2>/dev/null || true
}

apply_series() {
	if [ ! -d "$scratch" ]; then
		git_tree worktree add -q --detach "$scratch" base
	else
		git -C "$scratch" am --abort >/dev/null 2>&1 || true
		git -C "$scratch" checkout -q --detach -f base
		git -C "$scratch" clean -qfdx
	fi
	local p n=0
	while read -r p; do
		n=$((n + 1))
		if [ ! -f "$pdir/$p" ]; then
			echo "tree: patches/series names $p, which does not exist" >&2
			return 1
		fi
		if ! git -C "$scratch" am -q --whitespace=nowarn "$pdir/$p" >"$top/build/am.log" 2>&1; then
			local on="" sv
			sv="$(series_version)"
			if [ -n "$sv" ] && [ "$sv" != "$KERNEL_DEB_VERSION" ]; then
				on=" (patches/ was exported on $sv)"
			fi
			echo "tree: patch $n, $p, does not apply to $KERNEL_PACKAGE $KERNEL_DEB_VERSION$on:" >&2
			sed 's/^/    /' "$top/build/am.log" >&2
			git -C "$scratch" am --abort >/dev/null 2>&1 || true
			return 1
		fi
	done < <(series_list)
	echo "tree: applied $n patches"
}

cmd_sync() {
	if [ ! -d "$tree/.git" ]; then
		create_base
	else
		local made
		made="$(base_version)"
		if [ "$made" != "$KERNEL_DEB_VERSION" ]; then
			made="${made:-an unknown version}"
			if unexported; then
				refusal "$KERNEL_PACKAGE $KERNEL_DEB_VERSION is wanted ($tname was made from $made)"
				return 1
			fi
			check_source
			echo "tree: $tname was made from $KERNEL_PACKAGE $made; making it again from $KERNEL_DEB_VERSION"
			create_base
		fi
	fi
	ident
	local want have
	want="$(series_hash)"
	have="$(cat "$tree/.git/iopf-series-hash")"
	if [ "$want" = "$have" ]; then
		if unexported; then
			echo "tree: $tname has work not exported to $pname; building it as it is"
		fi
		return 0
	fi
	if unexported; then
		refusal "patches/ changed"
		return 1
	fi
	apply_series
	git_tree checkout -q -B work "$(git -C "$scratch" rev-parse HEAD)"
	git_tree tag -f exported >/dev/null
	echo "$want" >"$tree/.git/iopf-series-hash"
}

cmd_export() {
	[ -d "$tree/.git" ] || { echo "tree: no $tname yet" >&2; return 1; }
	if tree_dirty; then
		echo "tree: $tname has uncommitted changes; commit them first" >&2
		echo "tree: (new files need 'git add -f': Debian's .gitignore ignores them)" >&2
		git_tree status --short --ignored >&2
		return 1
	fi
	if [ "$(series_hash)" != "$(cat "$tree/.git/iopf-series-hash")" ]; then
		echo "tree: $pname changed since $tname was synced; refusing to overwrite it" >&2
		return 1
	fi
	local tmp made
	made="$(base_version)"
	tmp="$(mktemp -d)"
	git_tree format-patch -q --zero-commit --no-signature -o "$tmp" base..HEAD
	find "$pdir" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
		! -name '0000-cover-letter.patch' -delete
	{
		echo "# Applied in this order on top of $KERNEL_PACKAGE ${made:-$KERNEL_DEB_VERSION}."
		echo "# Written by scripts/kernel-tree.sh export; the cover letter is 0000."
	} >"$pdir/series"
	local f
	for f in "$tmp"/*.patch; do
		[ -e "$f" ] || continue
		mv "$f" "$pdir/"
		basename "$f" >>"$pdir/series"
	done
	rmdir "$tmp"
	git_tree tag -f exported >/dev/null
	series_hash >"$tree/.git/iopf-series-hash"
	echo "tree: exported $(git_tree rev-list --count base..HEAD) patches to $pname"
}

cmd_status() {
	[ -d "$tree/.git" ] || { echo "tree: no $tname yet"; return 0; }
	local made
	made="$(base_version)"
	if [ "$made" != "$KERNEL_DEB_VERSION" ]; then
		echo "$tname was made from $KERNEL_PACKAGE ${made:-of an unknown version}; the next sync makes it again from $KERNEL_DEB_VERSION"
	fi
	if [ "$(series_hash)" != "$(cat "$tree/.git/iopf-series-hash")" ]; then
		echo "patches/ changed since the last sync"
	fi
	local commits edits
	commits="$(git_tree log --oneline exported..HEAD)"
	edits="$(git_tree status --short --ignored |
		grep -v '^!! \.checkpatch-camelcase\.' || true)"
	echo "unexported commits: ${commits:-none}"
	echo "uncommitted edits: ${edits:-none}"
}

case "${1:-sync}" in
sync) cmd_sync ;;
export) cmd_export ;;
status) cmd_status ;;
*) echo "usage: $0 [sync|export|status]" >&2; exit 2 ;;
esac
