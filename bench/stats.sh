#!/usr/bin/env bash
# Lines per second of `placard stats` on generated access logs (bench/stats_gen.py), plain and gzipped,
# and its peak memory at two log sizes (which should be the same: the log is streamed).
#
#   bench/stats.sh              # 1,000,000 and 2,000,000 lines
#   LINES="1000000" RUNS=5 bench/stats.sh
#
# Environment: BENCH_DIR (default /dev/shm/placard-bench/stats), RUNS (default 3), LINES (default
# "1000000 2000000"), PLACARD (default <repo>/target/release/placard, built when missing).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/dev/shm/placard-bench/stats}
RUNS=${RUNS:-3}
LINES=${LINES:-1000000 2000000}
PLACARD=${PLACARD:-$ROOT/target/release/placard}

[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
if [ ! -x "$PLACARD" ]; then
    (cd "$ROOT" && cargo build --release)
fi
mkdir -p "$BENCH_DIR"

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

for n in $LINES; do
    for kind in plain gz; do
        log=$BENCH_DIR/access-$n.log
        gen=(--lines "$n" --out "$log")
        if [ "$kind" = gz ]; then log=$log.gz; gen=(--lines "$n" --out "$log" --gzip); fi
        stamp=$log.stamp
        want="lines=$n gen=$(sha256sum "$ROOT/bench/stats_gen.py" | cut -c1-16)"
        if [ ! -f "$log" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
            echo "== generating $log"
            python3 "$ROOT/bench/stats_gen.py" "${gen[@]}"
            echo "$want" > "$stamp"
        fi
        times=(); rss=(); cpus=()
        for run in $(seq "$RUNS"); do
            /usr/bin/time -o "$BENCH_DIR/time.txt" -f '%e %M %U %S' \
                "$PLACARD" stats --root "$ROOT" "$log" --csv "$BENCH_DIR/scans.csv" >"$BENCH_DIR/stdout.txt" 2>"$BENCH_DIR/stderr.txt"
            read -r wall maxrss user sys <"$BENCH_DIR/time.txt"
            times+=("$wall"); rss+=("$maxrss"); cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')")
            printf '   run %d: %6.2f s  %7d KiB  cpu %5.2f s  (load %s)\n' "$run" "$wall" "$maxrss" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$(cut -d' ' -f1 /proc/loadavg)"
        done
        wall=$(printf '%s\n' "${times[@]}" | median)
        peak=$(printf '%s\n' "${rss[@]}" | sort -g | tail -n1)
        cpu=$(printf '%s\n' "${cpus[@]}" | median)
        rate=$(awk -v n="$n" -v t="$wall" 'BEGIN { printf "%d", n / t }')
        cpu_rate=$(awk -v n="$n" -v t="$cpu" 'BEGIN { printf "%d", n / t }')
        size=$(du -h "$log" | cut -f1)
        printf '%9d lines %-5s (%5s): median %5.2f s wall → %8d lines/s; median CPU %5.2f s → %8d lines/s; peak RSS %d KiB\n' \
            "$n" "$kind" "$size" "$wall" "$rate" "$cpu" "$cpu_rate" "$peak"
        grep -E '^read ' "$BENCH_DIR/stdout.txt" | sed 's/^/      /'
    done
done
