#!/bin/bash
# make demo, make bench, make demo-quick: boot the lean kernel with the
# benchmark, run it under QEMU's instruction counting, then write the
# tables, CSV files and plots to the results directory and, with two runs,
# say how much they differed. A line per section says how far it is
# (scripts/progress.sh); the end is the time each section took, where the
# files are, how long the make target took, and the benchmark's TAP
# verdict.
#   run-demo.sh BZIMAGE INITRAMFS LOGDIR RESULTS TIMEOUT_S
# IOPF_DEMO_TAG: the target's name for its lines (default demo);
# IOPF_DEMO_ARGS: the benchmark's options, commas for spaces;
# IOPF_DEMO_RUNS: how many runs in the one VM (default 1).
# IOPF_DEMO_VTD_QEMU and IOPF_DEMO_VTD_MACHINE: a QEMU and a machine with
# intel-iommu and iopf-testdev (make check-vtd's); with them, a second VM
# runs the RFC's table on intel-iommu (section table_vtd: the mock cannot
# share a 6.12 kernel with intel-iommu) and the end shows both tables'
# ratios side by side.
set -eu

top="$(cd "$(dirname "$0")/.." && pwd)"
kernel="$1"
initrd="$2"
logdir="$3"
results="$4"
limit="$5"

args="${IOPF_DEMO_ARGS:---tap}"
tag="${IOPF_DEMO_TAG:-demo}"
runs="${IOPF_DEMO_RUNS:-1}"
case "$runs" in
1) what="one run" ;;
2) what="two runs" ;;
*) what="$runs runs" ;;
esac

mkdir -p "$results" "$logdir"
echo "$tag: $what of iopf_bench in one VM (lean kernel, 3 GiB, QEMU -icount," \
	"benchmark options: $(echo "$args" | tr ',' ' '))"
# The CSV blocks go to files, not to the terminal; sed -u (not awk, which
# may read its input in blocks) so that every line shows when it comes.
# host.log keeps what was shown, for the verdict line at the end.
set +e
IOPF_VM_MEM=3G IOPF_VM_ICOUNT="${IOPF_DEMO_ICOUNT:-3}" \
	IOPF_VM_APPEND="iopf.bench=$args iopf.runs=$runs" IOPF_VM_LABEL="$tag" IOPF_VM_SUMMARY=no \
	"$top/scripts/run-vm.sh" "$kernel" "$initrd" demo "$logdir" "$limit" |
	sed -u '/^csv-begin/,/^csv-end/d' | tee "$logdir/host.log"
rc=${PIPESTATUS[0]}
set -e

# Split the CSV blocks: results/run1/<name>.csv, results/run2/<name>.csv
rm -rf "$results"/run[0-9]* "$results/repeatability.txt" "$results"/*.png
plots=""
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
	# A section the benchmark did not have (an older binary) has no CSV
	[ -f "$results/run1/$name.csv" ] && [ -f "$results/run2/$name.csv" ] ||
		return 0
	paste -d, "$results/run1/$name.csv" "$results/run2/$name.csv" |
		awk -F, -v tag="$tag" -v name="$name" -v nkey="$nkey" -v cols="$*" '
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
				printf "%s: run 1 vs run 2, %-10s %3d figures: mean difference %5.2f%%, largest %6.2f%% (%s)\n", tag, name, n, 100 * sum / n, 100 * max, what
		}'
}

if [ -d "$results/run1" ] && [ -d "$results/run2" ]; then
	{
		differ table 3 4
		differ fault_cost 1 2 3
		differ startup 1 2 3 4 5 6 10 11
		differ density 2 4
		differ precopy 1 6
		differ postcopy 1 2
		# Sample by sample, paired by their place in the timeline. Not
		# goals: its figures are the table's and the stages', as ratios
		# and request counts.
		differ balloon 1 9
		# The benchmark's own verdict on density, per run
		awk -v tag="$tag" '/^bench-run / { run = $2 }
			/^fit: / { print tag ": run " run ": " $0 }' "$logdir/output.log"
	} | tee "$results/repeatability.txt"
fi
# A plot for each figure run 1 has (--sections may leave some out)
if [ -d "$results/run1" ]; then
	"$top/scripts/demo-plots.sh" "$results/run1" "$results"
	for png in startup fault_cost sparse density precopy postcopy balloon; do
		if [ -f "$results/$png.png" ]; then
			plots="${plots:+$plots }$png.png"
		fi
	done
fi

# The RFC's table on intel-iommu, in a VM of its own, then beside the mock's
rm -rf "$results/vtd" "$results/table-side-by-side.txt"
if [ -n "${IOPF_DEMO_VTD_QEMU:-}" ]; then
	mkdir -p "$logdir/vtd" "$results/vtd"
	echo "$tag: the RFC's table again, on intel-iommu with iopf-testdev (a second VM)"
	set +e
	IOPF_VM_MEM=3G IOPF_VM_ICOUNT="${IOPF_DEMO_ICOUNT:-3}" \
		IOPF_QEMU="$IOPF_DEMO_VTD_QEMU" \
		IOPF_VM_MACHINE="$IOPF_DEMO_VTD_MACHINE" \
		IOPF_VM_APPEND="intel_iommu=on,sm_on iopf.bench=$args,--sections,table_vtd iopf.runs=1" \
		IOPF_VM_LABEL="$tag-vtd" IOPF_VM_SUMMARY=no \
		"$top/scripts/run-vm.sh" "$kernel" "$initrd" demo "$logdir/vtd" "$limit" |
		sed -u '/^csv-begin/,/^csv-end/d' | tee "$logdir/vtd/host.log"
	[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
	set -e
	awk -v dir="$results/vtd" '
		/^csv-end/ { out = ""; next }
		/^csv-begin / { out = dir "/" $2 ".csv"; next }
		out != "" { print > out }
	' "$logdir/vtd/output.log"
	cp "$logdir/vtd/output.log" "$results/vtd/output.log"
	if [ -s "$results/run1/table.csv" ] && [ -s "$results/vtd/table_vtd.csv" ]; then
		"$top/scripts/table-side-by-side.sh" "$results/run1/table.csv" \
			"$results/vtd/table_vtd.csv" |
			tee "$results/table-side-by-side.txt"
	fi
fi

echo "$tag: summary"
"$top/scripts/progress.sh" --summary "$tag" "$logdir"
echo "$tag: tables: $results/output.log"
for run in "$results"/run[0-9]*; do
	[ -d "$run" ] || continue
	echo "$tag: CSV files: $run/:" "$(cd "$run" && echo *.csv)"
done
if [ -f "$results/repeatability.txt" ]; then
	echo "$tag: run 1 vs run 2: $results/repeatability.txt"
fi
if [ -n "$plots" ]; then
	echo "$tag: plots (run 1): $results/: $plots"
fi
if [ -f "$results/table-side-by-side.txt" ]; then
	echo "$tag: the RFC's table, mock and intel-iommu: $results/table-side-by-side.txt"
fi
"$top/scripts/elapsed.sh" "$tag" "$logdir"
# The benchmark's verdict (its TAP lines, every run and VM) stays the last
# line
if [ -n "${IOPF_DEMO_VTD_QEMU:-}" ]; then
	"$top/scripts/verdict.sh" --total "$logdir" "$logdir/vtd" | tail -n 1
else
	grep -E '^[0-9]+ passed, [0-9]+ failed' "$logdir/host.log" | tail -n 1 || true
fi
exit "$rc"
