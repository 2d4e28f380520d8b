#!/bin/bash
# make demo: boot the lean kernel with the benchmark, run it twice under
# QEMU's instruction counting, then write the tables, CSV files and plots
# to the results directory and say how much the two runs differed.
#   run-demo.sh BZIMAGE INITRAMFS LOGDIR RESULTS TIMEOUT_S
set -eu

top="$(cd "$(dirname "$0")/.." && pwd)"
kernel="$1"
initrd="$2"
logdir="$3"
results="$4"
limit="$5"

mkdir -p "$results"
echo "demo: two runs of iopf_bench in one VM (lean kernel, 3 GiB, QEMU -icount);"
echo "demo: this takes a while under software emulation"
set +e
IOPF_VM_MEM=3G IOPF_VM_ICOUNT="${IOPF_DEMO_ICOUNT:-3}" \
	IOPF_VM_APPEND="iopf.bench=${IOPF_DEMO_ARGS:---tap,--max-mib,1024}" \
	"$top/scripts/run-vm.sh" "$kernel" "$initrd" demo "$logdir" "$limit" |
	awk '/^csv-begin/ { skip = 1 } !skip { print } /^csv-end/ { skip = 0 }'
rc=${PIPESTATUS[0]}
set -e

# Split the CSV blocks: results/run1/<name>.csv, results/run2/<name>.csv
rm -rf "$results/run1" "$results/run2"
awk -v dir="$results" '
	/^bench-run / { run = $2; system("mkdir -p " dir "/run" run) }
	/^csv-end/ { out = ""; next }
	/^csv-begin / { out = dir "/run" run "/" $2 ".csv"; next }
	out != "" { print > out }
' "$logdir/output.log"
cp "$logdir/output.log" "$results/output.log"

if [ -f "$results/run1/table.csv" ] && [ -f "$results/run2/table.csv" ]; then
	# How much the two runs differ, per measured time in the table
	paste -d, "$results/run1/table.csv" "$results/run2/table.csv" |
		awk -F, 'NR > 1 && $4 > 0 {
			d = ($11 - $4) / $4; if (d < 0) d = -d
			if (d > max) { max = d; what = $1 "MiB x" $2 " " $3 }
			sum += d; n++
		}
		END { printf "demo: run 1 vs run 2, table times: mean difference %.2f%%, largest %.2f%% (%s)\n", 100 * sum / n, 100 * max, what }' |
		tee "$results/repeatability.txt"
	"$top/scripts/demo-plots.sh" "$results/run1" "$results"
fi
echo "demo: results in $results"
exit "$rc"
