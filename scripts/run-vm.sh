#!/bin/bash
# Boot a kernel with an initramfs under QEMU (TCG: no KVM here) and run one
# guest suite.
#   run-vm.sh BZIMAGE INITRAMFS SUITE LOGDIR [TIMEOUT_S]
# LOGDIR/console.log gets the kernel console (ttyS0), LOGDIR/output.log the
# suite's output (ttyS1), which is also streamed to stdout as it arrives,
# with progress lines (scripts/progress.sh) in place of the guest's step
# markers, prefixed with IOPF_VM_LABEL (default: the suite); tee -p keeps
# output.log whole even if that filter were to fail. Then the time each
# step took and how long the make target took (scripts/elapsed.sh), unless
# IOPF_VM_SUMMARY=no (the caller prints them).
# LOGDIR/output.times has the same lines with the host time each arrived
# at, for the slowest test cases (scripts/test-times.sh).
# IOPF_QEMU: the QEMU binary (default: Debian's qemu-system-x86_64);
# IOPF_VM_MACHINE: the machine and its devices, as QEMU arguments (default
# "-machine pc"); check-vtd uses both for q35 with intel-iommu and the test
# device (scripts/qemu-build.sh).
# Exit status: that of scripts/verdict.sh on the two logs.
set -eu

top="$(cd "$(dirname "$0")/.." && pwd)"
kernel="${1:?bzImage}"
initrd="${2:?initramfs}"
suite="${3:?suite}"
logdir="${4:?logdir}"
limit="${5:-2400}"
mem="${IOPF_VM_MEM:-2G}"
smp="${IOPF_VM_SMP:-2}"
extra="${IOPF_VM_APPEND:-}"
label="${IOPF_VM_LABEL:-$suite}"
qemu="${IOPF_QEMU:-qemu-system-x86_64}"
read -r -a machine <<<"${IOPF_VM_MACHINE:--machine pc}"

mkdir -p "$logdir"
rm -f "$logdir/console.log" "$logdir/output.log" "$logdir/qemu.rc" \
	"$logdir/verdict" "$logdir/vm.t0"
echo "vm: booting $(basename "$kernel") with suite '$suite' ($smp cpus, $mem, timeout ${limit}s)"
echo "vm: console log: $logdir/console.log"

vm_start=$SECONDS
echo "$EPOCHSECONDS" >"$logdir/vm.t0"
set +e
# IOPF_VM_ICOUNT=N: count instructions (each 2^N ns of guest time) instead
# of running on the host clock, so timings repeat. Single-threaded TCG.
# IOPF_VM_NUMA=N: N NUMA nodes sharing the memory and the CPUs evenly
# (page migration tests); unset, one. Each node is a socket of its own:
# CPUs of one socket on two nodes make the guest kernel warn.
numa=()
smp_topo="$smp"
if [ -n "${IOPF_VM_NUMA:-}" ]; then
	smp_topo="$smp,sockets=$IOPF_VM_NUMA"
	case "$mem" in
	*G) mib=$((${mem%G} * 1024)) ;;
	*M) mib=${mem%M} ;;
	*) echo "vm: IOPF_VM_NUMA needs the memory in M or G, not $mem" >&2; exit 2 ;;
	esac
	for ((n = 0; n < IOPF_VM_NUMA; n++)); do
		numa+=(-object "memory-backend-ram,id=node$n,size=$((mib / IOPF_VM_NUMA))M"
			-numa "node,nodeid=$n,memdev=node$n,cpus=$((n % smp))")
	done
fi
if [ -n "${IOPF_VM_ICOUNT:-}" ]; then
	accel=(-accel tcg -icount "shift=$IOPF_VM_ICOUNT,align=off,sleep=off")
else
	accel=(-accel tcg,thread=multi)
fi

# No 5-level paging (la57=off). With it, a KASAN kernel (6.12 and 7.2 alike)
# can report a wild memory access at boot: identify_cpu() clears the boot
# CPU's capabilities before it reads them back, pgtable_l5_enabled() is
# X86_FEATURE_LA57, so in between KASAN takes every direct-map address for
# one outside the kernel, and an interrupt landing there touches one.
timeout -k 10 "$limit" "$qemu" \
	"${machine[@]}" "${accel[@]}" -cpu max,la57=off -smp "$smp_topo" -m "$mem" "${numa[@]}" \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 rdinit=/init panic=-1 page_poison=1 iopf.run=$suite $extra" \
	-display none -no-reboot -nodefaults \
	-serial "file:$logdir/console.log" -serial stdio \
	</dev/null | stdbuf -oL tr -d '\r' |
	"$top/scripts/stamp-lines.sh" "$logdir/output.times" |
	tee -p "$logdir/output.log" |
	"$top/scripts/progress.sh" "$label" "$logdir"
rc=${PIPESTATUS[0]}
set -e
echo "$rc" >"$logdir/qemu.rc"
echo "vm: the guest ran for $((SECONDS - vm_start)) s (limit ${limit}s)"
slow="$("$top/scripts/test-times.sh" "$logdir" 5)"
if [ -n "$slow" ]; then
	echo "vm: slowest cases:"
	echo "$slow" | sed 's/^/    /'
fi
if [ "${IOPF_VM_SUMMARY:-yes}" != no ]; then
	"$top/scripts/progress.sh" --summary "$label" "$logdir"
	"$top/scripts/elapsed.sh" "$label" "$logdir"
fi
exec "$top/scripts/verdict.sh" "$logdir" "$rc" "$limit"
