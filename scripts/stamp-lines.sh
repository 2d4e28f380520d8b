#!/bin/bash
# Copy standard input to standard output line by line and write each line,
# prefixed with the host's time of arrival (seconds, microseconds), to FILE:
# the guest's clock is not to be trusted for how long a test took on the host.
#   ... | stamp-lines.sh FILE | ...
set -eu
out="${1:?usage: stamp-lines.sh FILE}"
exec 3>"$out"
while IFS= read -r line || [ -n "$line" ]; do
	printf '%s\n' "$line"
	printf '%s %s\n' "$EPOCHREALTIME" "$line" >&3
done
