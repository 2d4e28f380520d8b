#!/bin/bash
# The slowest kselftest cases of a VM run, from the time-stamped output that
# run-vm.sh keeps (LOGDIR/output.times): the time from a case's "#  RUN" line
# to its "ok"/"not ok" line, as the host saw them arrive.
#   test-times.sh LOGDIR [N]    the N slowest (default 10), slowest first
set -eu
times="${1:?usage: test-times.sh LOGDIR [N]}/output.times"
n="${2:-10}"
[ -f "$times" ] || exit 0
awk '
	$2 == "#" && $3 == "RUN" { start[$4] = $1; next }
	($2 == "ok" || ($2 == "not" && $3 == "ok")) {
		name = ($2 == "ok") ? $4 : $5
		if (name in start) {
			printf "%9.1f s  %s\n", $1 - start[name], name
			delete start[name]
		}
	}
' "$times" | sort -rn | head -n "$n"
