#!/bin/sh
# Runs each fuzz target for SECONDS (default 600) one after another, with one
# job and low priority, writing logs to LOGDIR (default /tmp/cnab-fuzz-logs).
# Crashes land in fuzz/artifacts/<target>/. See docs/hardening.md.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
seconds=${SECONDS_PER_TARGET:-600}
logs=${LOGDIR:-/tmp/cnab-fuzz-logs}
mkdir -p "$logs"
cd "$here"
"$here/scripts/seed.sh"
for target in ${TARGETS:-check fmt parse}; do
    RUSTC_BOOTSTRAP=1 nice -n 10 cargo fuzz run -O "$target" -- \
        -max_total_time="$seconds" -jobs=1 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$logs/$target.log" 2>&1
    echo "$target: exit $?"
done
