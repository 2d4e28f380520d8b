# shellcheck shell=bash disable=SC2034,SC2154
# Sourced, with $top set. The one place that says what KERNEL=lts|mainline
# means for the scripts: the series, its tree and its outputs.
#   series_dir     patches/ or patches/mainline/
#   series_tree    build/linux or build/linux-mainline (a git tree, see
#                  kernel-tree.sh)
#   series_scratch the scratch worktree next to it
#   series_prefix  "" or "mainline-", for every output of that series
#                  (build/obj-${series_prefix}debug, build/logs/...)
#   series_frags   the config fragments that series adds after the common
#                  ones (configs/mainline.config: the 7.2 mock IOMMU's
#                  generic page table)
# Sourcing it with any other KERNEL exits with status 2.
case "${KERNEL:-lts}" in
lts)
	series_dir="$top/patches"
	series_tree="$top/build/linux"
	series_scratch="$top/build/linux-apply"
	series_prefix=""
	series_frags=()
	;;
mainline)
	series_dir="$top/patches/mainline"
	series_tree="$top/build/linux-mainline"
	series_scratch="$top/build/linux-mainline-apply"
	series_prefix="mainline-"
	series_frags=("$top/configs/mainline.config")
	;;
*)
	echo "${0##*/}: KERNEL=$KERNEL: lts (the default) or mainline" >&2
	exit 2
	;;
esac
