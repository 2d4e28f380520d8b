# shellcheck shell=bash
# Sourced by the scripts that print durations.
# fmt S: REPLY = S seconds as 45s, 3m05s, 1h02m
fmt() {
	local s="$1"
	if [ "$s" -lt 60 ]; then
		REPLY="${s}s"
	elif [ "$s" -lt 3600 ]; then
		printf -v REPLY '%dm%02ds' $((s / 60)) $((s % 60))
	else
		printf -v REPLY '%dh%02dm' $((s / 3600)) $((s % 3600 / 60))
	fi
}
