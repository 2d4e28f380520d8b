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
	IOPF_VM_APPEND="iopf.bench=${IOPF_DEMO_ARGS:---tap}" \
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

# How much two runs differ: for each section, the relative difference of
# every measured figure (times, throughput; not counts), mean and largest.
#   differ CSV-NAME KEY-COLUMNS FIGURE-COLUMN...
differ() {
	local name="$1" nkey="$2"
	shift 2
	paste -d, "$results/run1/$name.csv" "$results/run2/$name.csv" |
		awk -F, -v name="$name" -v nkey="$nkey" -v cols="$*" '
		NR == 1 { half = NF / 2; for (i = 1; i <= half; i++) h[i] = $i; next }
		{
			key = $1
			for (i = 2; i <= nkey; i++)
				key = key "," $i
			n_cols = split(cols, c, " ")
			for (i = 1; i <= n_cols; i++) {
				a = $(c[i]); b = $(c[i] + half)
				if (a <= 0 || b <= 0)
					continue
				d = (b - a) / a; if (d < 0) d = -d
				if (d > max) { max = d; what = key " " h[c[i]] ": " a " vs " b }
				sum += d; n++
			}
		}
		END {
			if (n)
				printf "demo: run 1 vs run 2, %-10s %3d figures: mean difference %5.2f%%, largest %6.2f%% (%s)\n", name, n, 100 * sum / n, 100 * max, what
		}'
}

if [ -f "$results/run1/table.csv" ] && [ -f "$results/run2/table.csv" ]; then
	{
		differ table 3 4
		differ fault_cost 1 2 3
		differ startup 1 2 3 4 5 6
		differ density 2 4
		# The benchmark's own verdict on density, per run
		awk '/^bench-run / { run = $2 } /^fit: / { print "demo: run " run ": " $0 }' \
			"$logdir/output.log"
	} | tee "$results/repeatability.txt"
	"$top/scripts/demo-plots.sh" "$results/run1" "$results"
fi
echo "demo: results in $results"
exit "$rc"
