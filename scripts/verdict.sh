#!/bin/bash
# Judge one VM run from its logs.
#   verdict.sh LOGDIR QEMU_RC TIMEOUT_S
# Fails on a timeout, on a guest that did not finish, on any kernel splat in
# console.log (printing the lines around it), and on any failed test case.
# The last line is "N passed, N failed" (", N skipped" when some were),
# also written to LOGDIR/verdict.
#   verdict.sh --total LOGDIR...
# adds up the verdicts of several runs (make check: the mock and VT-d VMs);
# a run with no verdict (it did not happen) counts as one failure.
set -u

if [ "${1:-}" = --total ]; then
	shift
	tp=0 tf=0 ts=0
	for d in "$@"; do
		read -r p _ f _ s _ <<<"$(tr -d , 2>/dev/null <"$d/verdict")"
		if [ -z "${p:-}" ]; then
			echo "vm: no verdict in $d"
			p=0 f=1
		fi
		tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + ${s:-0}))
		p="" f="" s=""
	done
	echo "check: all suites:"
	if [ "$ts" -gt 0 ]; then
		echo "$tp passed, $tf failed, $ts skipped"
	else
		echo "$tp passed, $tf failed"
	fi
	[ "$tf" -eq 0 ]
	exit
fi

logdir="$1"
qrc="$2"
limit="$3"
console="$logdir/console.log"
output="$logdir/output.log"
bad=0

# What counts as a splat.  Fault injection (fail_nth) legitimately prints
# allocation-failure stacks; those are not in this list.
splats='WARNING:|BUG:|kernel BUG at|Oops|general protection fault|Kernel panic|'
splats+='possible circular locking|possible recursive locking|inconsistent lock state|'
splats+='INFO: trying to register non-static key|DEBUG_LOCKS_WARN_ON|lockdep is turned off|'
splats+='possible irq lock inversion|UBSAN:|'
splats+='blocked for more than|rcu_.*stall|detected stalls|soft lockup|hard LOCKUP|'
splats+='ODEBUG:|list_add corruption|list_del corruption|Bad page state|'
splats+='unreferenced object|Kernel offset:'

if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
	echo "vm: TIMEOUT: the VM's limit of ${limit}s (run-vm.sh's TIMEOUT_S; CHECK_TIMEOUT or DEMO_TIMEOUT for make) fired; last console lines:"
	tail -n 30 "$console" | sed 's/^/    /'
	bad=1
elif [ "$qrc" -ne 0 ]; then
	echo "vm: QEMU exited with status $qrc"
	bad=1
fi

if ! grep -q '^iopf-guest: done rc=' "$output" 2>/dev/null; then
	echo "vm: the guest never reported that its suite finished"
	bad=1
fi

if [ -f "$console" ]; then
	n=0
	while IFS=: read -r line _; do
		n=$((n + 1))
		[ "$n" -le 3 ] || break
		echo "vm: SPLAT in console.log line $line:"
		start=$((line > 10 ? line - 10 : 1))
		sed -n "${start},$((line + 30))p" "$console" | sed 's/^/    /'
		bad=1
	done < <(grep -nE "$splats" "$console")
	total="$(grep -cE "$splats" "$console")"
	if [ "$total" -gt 0 ]; then
		echo "vm: $total splat lines in total; first kind: $(grep -oE "$splats" "$console" | head -1)"
	fi

	# Any other stack dump is a complaint too (a printk plus dump_stack(),
	# e.g. "FAULT_FLAG_ALLOW_RETRY missing"), except the OOM killer's in a
	# memory cgroup: the benchmark's density run fills one on purpose.
	dumps="$(awk '
		/invoked oom-killer:/ { oom = NR }
		/oom-kill:constraint=CONSTRAINT_MEMCG/ {
			for (l in pending) delete pending[l]
		}
		/Call Trace:/ {
			if (oom && NR - oom <= 6)
				pending[NR] = 1
			else
				print NR
		}
		END { for (l in pending) print l }
	' "$console" | sort -n)"
	n=0
	for line in $dumps; do
		n=$((n + 1))
		bad=1
		[ "$n" -le 3 ] || continue
		echo "vm: STACK DUMP in console.log line $line:"
		start=$((line > 10 ? line - 10 : 1))
		sed -n "${start},$((line + 20))p" "$console" | sed 's/^/    /'
	done
	if [ "$n" -gt 0 ]; then
		echo "vm: $n stack dumps in total"
	fi
fi

pass=0
fail=0
skip=0
if [ -f "$output" ]; then
	pass="$(grep -E '^ok [0-9]+ ' "$output" | grep -vc '# SKIP')"
	skip="$(grep -E '^ok [0-9]+ .*# SKIP' "$output" | wc -l)"
	fail="$(grep -cE '^not ok [0-9]+ ' "$output")"
fi
if [ "$fail" -gt 0 ]; then
	echo "vm: failed cases:"
	grep -E '^not ok [0-9]+ ' "$output" | sed 's/^/    /'
	bad=1
fi
if [ "$pass" -eq 0 ]; then
	echo "vm: no test case passed"
	bad=1
fi
if [ "$bad" -ne 0 ] && [ "$fail" -eq 0 ]; then
	# A splat or a crash fails the run even when every case said ok.
	fail=1
	echo "vm: counting the run itself as one failure"
fi
if [ "$skip" -gt 0 ]; then
	line="$pass passed, $fail failed, $skip skipped"
else
	line="$pass passed, $fail failed"
fi
echo "$line" | tee "$logdir/verdict"
exit "$bad"
