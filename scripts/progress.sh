#!/bin/bash
# Progress lines for a VM run, in host wall-clock time.
#   progress.sh LABEL LOGDIR            filter: guest output in, the same out
#   progress.sh --summary LABEL LOGDIR  the time each step took
#
# The filter passes the guest's output through as it arrives, and replaces
# the guest's step markers (LOGDIR/output.log keeps them) with one line per
# step: which step, "k of N", the time since the VM started and an estimate
# for the rest:
#   check: suite 2 of 3: iommufd_fail_nth, 1m52s elapsed, about 5m30s left
#   bench: section 7 of 10: run 2 fault_cost, 16m40s elapsed, about 13m left
# The markers (guest/check, guest/demo, iopf_bench):
#   # iopf-guest: suite K of N: NAME      step K of make check
#   bench-run R of M                      run R of the benchmark starts
#   # iopf_bench: section K of N: NAME    a section of the benchmark: a step
#                                         (numbered across the runs), or
#                                         within a suite, a line of its own
# At the end it writes LOGDIR/steps.txt, one "step K N RUN SECONDS FINISHED
# WORD NAME" line per step and "vm SECONDS" (boot to power-off), and when
# every step ran, copies it to LOGDIR/steps-last.txt.
#
# The estimate: the steps done so far took T; the steps of the last
# complete run in LOGDIR (steps-last.txt) say which share of the work they
# were, so the rest takes T * (1 - share) / share. Before the first step
# ends it is the rest of that run's time as it was. Without a complete run
# in LOGDIR, the shares are those of runs on the 2-core machine the README
# describes (below); for a LABEL with none, every step weighs the same and
# there is no estimate before the first step ends.
set -eu

# Seconds per step, in step order, of one run each on the README's 2-core
# machine: make check (KASAN kernel), make demo, make bench, make
# demo-quick. The last two sections of each run were measured apart:
# migration alone (--sections migration) with another VM busy on the
# second core, balloon in runs of some sections (demo: with startup,
# table and stages; bench: alone; demo-quick: all sections).
default_weights() {
	case "$1" in
	check) echo "132 16 5 203" ;;
	demo) echo "68 0 2 1 8 18 93 9 10" ;;
	bench) echo "878 0 3 1 8 94 122 34 34 788 0 3 1 8 89 117 34 34" ;;
	demo-quick) echo "13 0 3 0 2 5 21 3 2" ;;
	esac
}

if [ "${1:-}" = --summary ]; then
	label="${2:?label}"
	steps="${3:?logdir}/steps.txt"
	[ -f "$steps" ] || exit 0
	exec awk -v label="$label" '
	function fmt(s) {
		if (s < 60)
			return sprintf("%ds", s)
		if (s < 3600)
			return sprintf("%dm%02ds", int(s / 60), s % 60)
		return sprintf("%dh%02dm", int(s / 3600), int(s % 3600 / 60))
	}
	# One row per step name, one column per run (a single "time"
	# column when there are no runs).
	$1 == "step" {
		nm = $8
		for (i = 9; i <= NF; i++)
			nm = nm " " $i
		if (!(nm in row)) {
			row[nm] = ++rows
			name[rows] = nm
		}
		if (!($4 in col)) {
			col[$4] = ++cols
			run[cols] = $4
		}
		secs[row[nm], col[$4]] = $5
		cut[row[nm], col[$4]] = !$6
		total[col[$4]] += $5
		word = $7
	}
	$1 == "vm" { vm = $2 }
	END {
		if (!rows)
			exit
		printf "%s: %-20s", label, word
		for (c = 1; c <= cols; c++)
			printf " %9s", run[c] ? "run " run[c] : "time"
		printf "\n"
		for (r = 1; r <= rows; r++) {
			printf "%s: %-20s", label, name[r]
				for (c = 1; c <= cols; c++) {
				cell = "-"
				if ((r, c) in secs)
					cell = fmt(secs[r, c]) (cut[r, c] ? "*" : "")
				printf " %9s", cell
			}
			printf "\n"
		}
		printf "%s: %-20s", label, "all " word "s"
		for (c = 1; c <= cols; c++)
			printf " %9s", fmt(total[c])
		printf "\n%s: the VM, boot to power-off: %s\n", label, fmt(vm)
		for (r = 1; r <= rows; r++)
			for (c = 1; c <= cols; c++)
				if (cut[r, c])
					more = 1
		if (more)
			printf "%s: * did not finish\n", label
	}' "$steps"
fi

label="${1:?label}"
logdir="${2:?logdir}"
t0=$EPOCHSECONDS

. "$(dirname "$0")/fmt-time.sh"

# REPLY: an estimate of S seconds, which does not deserve seconds once it
# runs to minutes
rough() {
	local s="$1" m
	if [ "$s" -lt 10 ]; then
		REPLY="a few seconds"
	elif [ "$s" -lt 600 ]; then
		fmt $(((s + 5) / 10 * 10))
		REPLY="about $REPLY"
	else
		m=$(((s + 30) / 60))
		if [ "$m" -lt 60 ]; then
			REPLY="about ${m}m"
		else
			printf -v REPLY 'about %dh%02dm' $((m / 60)) $((m % 60))
		fi
	fi
}

# w[1..N]: the weight of each step of N, and where they come from
load_weights() {
	local nn="$1" kind kk n2 r secs rest i got=0 d
	w=()
	if [ -f "$logdir/steps-last.txt" ]; then
		while read -r kind kk n2 r secs rest; do
			if [ "$kind" = step ] && [ "$n2" = "$nn" ] &&
				[[ $kk =~ ^[0-9]+$ && $secs =~ ^[0-9]+$ ]]; then
				w[kk]="$secs"
				got=$((got + 1))
			fi
		done <"$logdir/steps-last.txt"
	fi
	basis=last
	[ "$got" -ne "$nn" ] || return 0
	w=()
	read -ra d <<<"$(default_weights "$label")"
	basis=default
	if [ "${#d[@]}" -eq "$nn" ]; then
		for ((i = 1; i <= nn; i++)); do
			w[i]="${d[i - 1]}"
		done
		return 0
	fi
	basis=none
	for ((i = 1; i <= nn; i++)); do
		w[i]=1
	done
}

end_step() {
	if [ "$k" -gt 0 ] && [ -z "${dur[k]:-}" ]; then
		dur[k]=$(($1 - start[k]))
	fi
}

# begin_step K N RUN NAME WORD: print the progress line of step K of N
begin_step() {
	local t="$EPOCHSECONDS" i done_w=0 all_w=0 left elapsed
	end_step "$t"
	[ "$2" -eq "$n" ] || load_weights "$2"
	k="$1" n="$2" word="$5"
	start[k]="$t" runof[k]="$3" name[k]="$4"
	[ "$k" -ne 1 ] || first="$t"
	for ((i = 1; i <= n; i++)); do
		all_w=$((all_w + w[i]))
		[ "$i" -ge "$k" ] || done_w=$((done_w + w[i]))
	done
	if [ "$k" -gt 1 ] && [ "$done_w" -gt 0 ] && [ "$t" -gt "$first" ]; then
		left=$(((t - first) * (all_w - done_w) / done_w))
	elif [ "$basis" != none ]; then
		left=$((all_w - done_w))
	else
		left=-1
	fi
	fmt $((t - t0))
	elapsed="$REPLY"
	if [ "$left" -lt 0 ]; then
		REPLY="no estimate yet"
	else
		rough "$left"
		REPLY="$REPLY left"
	fi
	[ "$3" -eq 0 ] || set -- "$1" "$2" "$3" "run $3 $4"
	printf '%s: %s %d of %d: %s, %s elapsed, %s\n' "$label" "$word" \
		"$k" "$n" "$4" "$elapsed" "$REPLY"
}

re_suite='^# iopf-guest: suite ([0-9]+) of ([0-9]+): (.*)$'
re_section='^# iopf_bench: section ([0-9]+) of ([0-9]+): (.*)$'
re_run='^bench-run ([0-9]+) of ([0-9]+)$'
k=0 n=0 run=0 runs=0 word="" first="$t0" finished="" cut=0 basis=none
w=() start=() dur=() runof=() name=()
while IFS= read -r line || [ -n "$line" ]; do
	case "$line" in
	"# iopf-guest: suite "*)
		if [[ $line =~ $re_suite ]]; then
			begin_step "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" 0 \
				"${BASH_REMATCH[3]}" suite
			continue
		fi
		;;
	"# iopf_bench: section "*)
		if [[ $line =~ $re_section ]]; then
			set -- "${BASH_REMATCH[@]}"
			if [ "$runs" -gt 0 ]; then
				begin_step $(((run - 1) * $3 + $2)) $((runs * $3)) \
					"$run" "$4" section
			elif [ "$word" = suite ]; then
				fmt $((EPOCHSECONDS - t0))
				printf '%s: suite %d of %d: %s, section %d of %d: %s, %s elapsed\n' \
					"$label" "$k" "$n" "${name[k]}" "$2" "$3" "$4" "$REPLY"
			else
				begin_step "$2" "$3" 0 "$4" section
			fi
			continue
		fi
		;;
	"bench-run "*)
		if [[ $line =~ $re_run ]]; then
			run="${BASH_REMATCH[1]}" runs="${BASH_REMATCH[2]}"
		fi
		;;
	"iopf-guest: done rc="*)
		finished="$EPOCHSECONDS"
		end_step "$finished"
		;;
	esac
	printf '%s\n' "$line"
done

if [ -z "$finished" ]; then
	finished="$EPOCHSECONDS"
	end_step "$finished"
	cut="$k"
fi
{
	for ((i = 1; i <= k; i++)); do
		[ -n "${start[i]:-}" ] || continue
		printf 'step %d %d %d %d %d %s %s\n' "$i" "$n" "${runof[i]}" \
			"${dur[i]}" $((i != cut)) "$word" "${name[i]}"
	done
	printf 'vm %d\n' $((finished - t0))
} >"$logdir/steps.txt"
if [ "$k" -gt 0 ] && [ "$k" -eq "$n" ] && [ "$cut" -eq 0 ]; then
	cp "$logdir/steps.txt" "$logdir/steps-last.txt"
fi
