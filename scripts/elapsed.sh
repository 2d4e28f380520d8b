#!/bin/bash
# The wall time of a make target, split into builds and the VM, as the
# target's own last lines say it (the README's times are these).
#   elapsed.sh LABEL LOGDIR
# IOPF_MAKE_T0: when make started (the Makefile sets it); LOGDIR/vm.t0:
# when the VM started (scripts/run-vm.sh). Without IOPF_MAKE_T0 (a script
# run by hand) only the VM part is known.
set -eu

label="${1:?label}"
logdir="${2:?logdir}"
now=$EPOCHSECONDS

. "$(dirname "$0")/fmt-time.sh"

vm_t0="$(cat "$logdir/vm.t0" 2>/dev/null || true)"
[[ $vm_t0 =~ ^[0-9]+$ ]] || exit 0
fmt $((now - vm_t0))
vm="$REPLY"
t0="${IOPF_MAKE_T0:-}"
if [[ $t0 =~ ^[0-9]+$ ]] && [ "$t0" -le "$vm_t0" ]; then
	fmt $((now - t0))
	all="$REPLY"
	fmt $((vm_t0 - t0))
	echo "$label: make $label took $all: builds $REPLY, then the VM and its results $vm"
else
	echo "$label: the VM and its results took $vm"
fi
