#!/usr/bin/env bash
# Benchmark placard against Hugo on generated N-page Chinese campaign sites.
#
#   bench/run.sh 1000 10000
#
# For each N: generates both flavors under $BENCH_DIR/N/{placard,hugo} (kept between runs while N
# and bench/gen.py are unchanged), builds each $RUNS times, the two tools taking turns, into $BENCH_DIR/N/out-{placard,hugo}
# (the output directory is removed before every run, outside the timing), and reports the median
# wall time and the largest peak RSS as measured by `/usr/bin/time -f '%e %M'` (plus the median CPU
# time, user + system, which other load on the machine disturbs less), and the number and total size
# of the output files.
#
# placard builds each flavour of the site (FLAVORS: `placard` templates, `zola` templates written the
# way Zola sites write them, `theme` = the built-in default theme), each side by side with Hugo on the
# same pages; placard runs with PLACARD_TIMINGS=1 and the phase timings of its last run are reported.
# SERVE=1 also measures live-preview latency (bench/serve_latency.py) on the largest N.
#
# Environment: BENCH_DIR (default /dev/shm/placard-bench), RUNS (default 3),
#              PLACARD (default <repo>/target/release/placard), HUGO (default: hugo on PATH),
#              TOOLS (default "placard hugo": which tools to run),
#              FLAVORS (default "placard zola theme"), SERVE (default 0).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/dev/shm/placard-bench}
RUNS=${RUNS:-3}
PLACARD=${PLACARD:-$ROOT/target/release/placard}
HUGO=${HUGO:-$(command -v hugo || true)}
GEN=$ROOT/bench/gen.py
TOOLS=${TOOLS:-placard hugo}
FLAVORS=${FLAVORS:-placard zola theme}
SERVE=${SERVE:-0}

if [ $# -eq 0 ]; then
    echo "usage: $0 N [N...]   (e.g. $0 1000 10000)" >&2
    exit 2
fi
for n in "$@"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "not a page count: $n" >&2; exit 2; }
done

# --- tools ------------------------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
    if ! apt list --installed 2>/dev/null | grep -qw '^time'; then
        echo "== installing Debian package 'time' (for /usr/bin/time)"
        apt-get update -qq && apt-get install -y -qq time >/dev/null
    fi
fi
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing and could not be installed" >&2; exit 1; }

have_placard=1
if [[ " $TOOLS " != *" placard "* ]]; then
    have_placard=0
elif [ ! -x "$PLACARD" ]; then
    echo "== $PLACARD missing: cargo build --release"
    if ! (cd "$ROOT" && cargo build --release); then
        echo "!! cargo build --release failed: skipping placard" >&2
        have_placard=0
    fi
fi
[ -x "$PLACARD" ] || have_placard=0
[ $have_placard = 1 ] || echo "!! skipping placard"

have_hugo=1
if [[ " $TOOLS " != *" hugo "* ]]; then
    have_hugo=0
elif [ -z "$HUGO" ] || ! "$HUGO" version >/dev/null 2>&1; then
    echo "!! hugo is not installed: skipping Hugo (Debian: apt-get install hugo)"
    have_hugo=0
fi

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
[ $have_placard = 1 ] && echo "== placard: $PLACARD ($("$PLACARD" --version 2>/dev/null || echo 'no --version'))"
[ $have_hugo = 1 ] && echo "== hugo: $("$HUGO" version)"
echo "== runs per tool: $RUNS; sites under $BENCH_DIR"

# --- helpers ----------------------------------------------------------------------------------
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

gen_sum=$(sha256sum "$GEN" | cut -c1-16)

generate() { # N
    local n=$1 dir=$BENCH_DIR/$1
    local stamp="pages=$n gen=$gen_sum"
    local have=1 f
    for f in $FLAVORS hugo; do [ -d "$dir/$f/content" ] || have=0; done
    if [ -f "$dir/stamp" ] && [ "$(cat "$dir/stamp")" = "$stamp" ] && [ $have = 1 ]; then
        echo "== N=$n: sites already generated ($stamp)"
        return
    fi
    echo "== N=$n: generating sites"
    mkdir -p "$dir"
    rm -f "$dir/stamp"
    for f in placard zola theme hugo; do
        python3 "$GEN" --pages "$n" --out "$dir/$f" --flavor "$f"
    done
    echo "$stamp" >"$dir/stamp"
}

# run_once TOOL(p|h) NAME OUTDIR LOG cmd... → appends this run's wall, cpu, rss to T_<tool>, C_<tool>,
# M_<tool>; sets OK_<tool>=0 when the build fails
run_once() {
    local k=$1 name=$2 out=$3 log=$4; shift 4
    local tfile t m u s c
    tfile=$(mktemp)
    rm -rf "$out"
    sync
    if ! /usr/bin/time -f '%e %M %U %S' -o "$tfile" "$@" >"$log" 2>&1; then
        echo "!! $name failed: exit status non-zero; last lines of $log:" >&2
        tail -n 20 "$log" >&2
        eval "OK_$k=0"
        rm -f "$tfile"
        return
    fi
    read -r t m u s <"$tfile"
    rm -f "$tfile"
    c=$(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}')
    eval "T_$k+=(\"$t\"); C_$k+=(\"$c\"); M_$k+=(\"$m\")"
    printf '   %-8s run %d: %6.2f s wall  %6.2f s cpu  %8d KiB peak RSS   (load %s)\n' \
        "$name" "$i" "$t" "$c" "$m" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# summary TOOL OUTDIR → "ok median_wall max_rss files bytes median_cpu"
summary() {
    local k=$1 out=$2 ok
    eval "ok=\$OK_$k"
    if [ "$ok" != 1 ]; then echo "0 - - - - -"; return; fi
    local -n tt=T_$k cc=C_$k mm=M_$k
    echo "1 $(printf '%s\n' "${tt[@]}" | median) $(printf '%s\n' "${mm[@]}" | sort -n | tail -n 1)" \
        "$(find "$out" -type f | wc -l) $(du -sb "$out" | cut -f1) $(printf '%s\n' "${cc[@]}" | median)"
}

declare -A R
declare -A PHASES

for n in "$@"; do
    generate "$n"
    dir=$BENCH_DIR/$n
    src_files=$(find "$dir/placard/content" -name '*.md' | wc -l)
    src_bytes=$(du -sb "$dir/placard/content" | cut -f1)
    echo "== N=$n: $src_files Markdown files, $((src_bytes / 1024 / 1024)) MiB of content"
    for f in $FLAVORS; do
        echo "-- flavour $f (placard) against Hugo"
        # The tools take turns run by run, so that load from elsewhere on the machine falls on both alike.
        T_p=(); C_p=(); M_p=(); OK_p=$have_placard
        T_h=(); C_h=(); M_h=(); OK_h=$have_hugo
        for i in $(seq 1 "$RUNS"); do
            [ "$OK_p" = 1 ] && run_once p "placard" "$dir/out-$f" "$dir/$f.log" \
                env PLACARD_TIMINGS=1 "$PLACARD" build --root "$dir/$f" --output-dir "$dir/out-$f"
            [ "$OK_h" = 1 ] && run_once h hugo "$dir/out-hugo" "$dir/hugo.log" \
                "$HUGO" --source "$dir/hugo" --destination "$dir/out-hugo" --quiet
        done
        R[$n,$f,p]=$(summary p "$dir/out-$f")
        R[$n,$f,h]=$(summary h "$dir/out-hugo")
        PHASES[$n,$f]=$(grep '^placard timing:' "$dir/$f.log" 2>/dev/null | awk '{printf "%s %s ms; ", $3, $4}')
    done
done

# --- report -----------------------------------------------------------------------------------
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| N | flavour | tool | median wall (s) | median CPU (s) | max peak RSS (MiB) | output files | output size (MiB) |"
echo "|---:|---|---|---:|---:|---:|---:|---:|"
for n in "$@"; do
    for f in $FLAVORS; do
        for t in p h; do
            read -r ok tm rss files bytes cpu <<<"${R[$n,$f,$t]}"
            name=$([ $t = p ] && echo placard || echo hugo)
            if [ "$ok" = 1 ]; then
                printf '| %s | %s | %s | %.2f | %.2f | %.1f | %s | %.1f |\n' "$n" "$f" "$name" "$tm" "$cpu" \
                    "$(awk -v k="$rss" 'BEGIN{print k/1024}')" "$files" "$(awk -v b="$bytes" 'BEGIN{print b/1048576}')"
            else
                printf '| %s | %s | %s | failed or skipped | | | | |\n' "$n" "$f" "$name"
            fi
        done
    done
done
echo
for n in "$@"; do
    for f in $FLAVORS; do
        read -r pok ptm prss _ _ pcpu <<<"${R[$n,$f,p]}"
        read -r hok htm hrss _ _ hcpu <<<"${R[$n,$f,h]}"
        if [ "$pok" = 1 ] && [ "$hok" = 1 ]; then
            awk -v n="$n" -v f="$f" -v pt="$ptm" -v ht="$htm" -v pm="$prss" -v hm="$hrss" -v pc="$pcpu" -v hc="$hcpu" 'BEGIN {
                rt = (ht > 0) ? pt / ht : 0; rm = (hm > 0) ? pm / hm : 0; rc = (hc > 0) ? pc / hc : 0; par = (pt > 0) ? pc / pt : 0
                printf "N=%s %s: placard/hugo wall %.2f (target <= 0.40: %s), peak memory %.2f (target <= 0.30: %s), cpu %.2f; placard cores busy %.2f of 2%s\n",
                    n, f, rt, (rt <= 0.4 ? "MET" : "MISSED"), rm, (rm <= 0.3 ? "MET" : "MISSED"), rc, par,
                    (n == 10000 ? "  <- targets apply at N=10000" : "")
            }'
        else
            echo "N=$n $f: no ratio (a tool failed or was skipped)"
        fi
        echo "   placard phases (last run): ${PHASES[$n,$f]}"
    done
done

if [ "$SERVE" = 1 ] && [ "$have_placard" = 1 ]; then
    n=${!#}
    for f in theme zola; do
        copy=$BENCH_DIR/$n/serve-$f
        rm -rf "$copy"; cp -r "$BENCH_DIR/$n/$f" "$copy"
        echo
        echo "== live preview, N=$n, flavour $f (load $(cut -d' ' -f1-3 /proc/loadavg))"
        template=""
        [ -f "$copy/templates/base.html" ] && template="--template templates/base.html"
        # shellcheck disable=SC2086
        python3 "$ROOT/bench/serve_latency.py" "$PLACARD" "$copy" $template || echo "!! serve measurement failed"
        rm -rf "$copy"
    done
fi
