#!/usr/bin/env bash
# The /api/messages benchmark, run by `./bot bench teams` (which starts PostgreSQL, our Release host with
# Teams:Enabled and no app id, Microsoft's botbuilder echo bot and the connector sink, and stops them afterwards).
# Same machine, same payload (activity.lua), same wrk settings, one run each, botbuilder first. Our host persists
# every message before it answers 202 and replies through its outbox; after our run the script waits until every
# accepted message has been answered at the sink, and reports that too. Environment (set by ./bot):
#   BENCH_TEAMS_SINK, BENCH_TEAMS_REFERENCE, BENCH_TEAMS_OURS, BENCH_TEAMS_PSQL, BENCH_TEAMS_HOST_PID,
#   BENCH_TEAMS_BOTBUILDER_PID, BENCH_TEAMS_POSTMASTER_PID
# Diagnosis: BENCH_TEAMS_INGEST_ONLY=1 does not wait for replies (with BENCH_TEAMS_SETTINGS="Pipeline__TurnWorkers=0
#   Pipeline__OutboxSenders=0" given to ./bot bench teams, it measures acknowledging alone).
# Optional: BENCH_TEAMS_SECONDS (20), BENCH_TEAMS_CONNECTIONS (32), BENCH_TEAMS_THREADS (2), BENCH_TEAMS_WARMUP (5),
#   BENCH_CONVERSATIONS (200).
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SECONDS_RUN="${BENCH_TEAMS_SECONDS:-20}"
CONNECTIONS="${BENCH_TEAMS_CONNECTIONS:-32}"
THREADS="${BENCH_TEAMS_THREADS:-2}"
WARMUP="${BENCH_TEAMS_WARMUP:-5}"
export BENCH_SERVICE_URL="$BENCH_TEAMS_SINK/"
read -r -a PSQL <<<"$BENCH_TEAMS_PSQL"
TICKS="$(getconf CLK_TCK)"

sql() { "${PSQL[@]}" -tAqc "$1"; }
sink_replies() { node -e "fetch(process.argv[1]).then(r => r.json()).then(s => console.log(s.replies))" "$BENCH_TEAMS_SINK/stats"; }
sink_reset() { node -e "fetch(process.argv[1], { method: 'POST' }).then(r => process.exit(r.ok ? 0 : 1))" "$BENCH_TEAMS_SINK/reset"; }

# cpu_ticks PID...: user + system clock ticks of the processes and their children.
cpu_ticks() {
  local total=0 pid stat
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    stat="$(sed 's/^.*) //' "/proc/$pid/stat")"
    # fields after the command: state(1) ppid(2) ... utime(12) stime(13) cutime(14) cstime(15)
    total=$((total + $(awk '{print $12 + $13 + $14 + $15}' <<<"$stat")))
  done
  echo "$total"
}

# postgres_pids: the postmaster and every backend it started.
postgres_pids() {
  echo "$BENCH_TEAMS_POSTMASTER_PID"
  pgrep -P "$BENCH_TEAMS_POSTMASTER_PID" || true
}

# run_wrk URL LABEL SECONDS: prints wrk's RESULT line.
run_wrk() {
  BENCH_RUN="$2" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$3"s --timeout 10s -s "$DIR/activity.lua" "$1" | grep '^RESULT '
}

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

# wait_until DESCRIPTION SECONDS COMMAND...: poll COMMAND (exit 0 = done) every 0.2 s.
wait_until() {
  local what="$1" limit="$2"; shift 2
  local start; start="$(date +%s%N)"
  until "$@"; do
    if [ $(( ($(date +%s%N) - start) / 1000000000 )) -ge "$limit" ]; then
      echo "timed out after ${limit}s waiting for $what" >&2
      return 1
    fi
    sleep 0.2
  done
}

pending_turns() { [ "$(sql "SELECT count(*) FROM inbox WHERE status = 'Pending'")" = 0 ] && [ "$(sql "SELECT count(*) FROM outbox WHERE status = 'Pending'")" = 0 ]; }
sink_has() { [ "$(sink_replies)" -ge "$1" ]; }

echo "wrk: $THREADS threads, $CONNECTIONS connections, ${SECONDS_RUN}s per bot after a ${WARMUP}s warm-up; $(nproc) cores; payload: a Teams personal-chat message (bench/teams/activity.lua)"

# --- botbuilder -------------------------------------------------------------------------------------------------
run_wrk "$BENCH_TEAMS_REFERENCE" warm-bb "$WARMUP" >/dev/null
sleep 1
sink_reset
bb_cpu0="$(cpu_ticks "$BENCH_TEAMS_BOTBUILDER_PID")"
bb="$(run_wrk "$BENCH_TEAMS_REFERENCE" bb "$SECONDS_RUN")"
bb_cpu1="$(cpu_ticks "$BENCH_TEAMS_BOTBUILDER_PID")"
bb_requests="$(field requests "$bb")"
wait_until "botbuilder's replies" 30 sink_has "$bb_requests" || true
bb_replies="$(sink_replies)"

# --- ours -------------------------------------------------------------------------------------------------------
run_wrk "$BENCH_TEAMS_OURS" warm-ours "$WARMUP" >/dev/null
[ -n "${BENCH_TEAMS_INGEST_ONLY:-}" ] || wait_until "the warm-up to be answered" 300 pending_turns
sink_reset
ours_cpu0="$(cpu_ticks "$BENCH_TEAMS_HOST_PID")"
pg_cpu0="$(cpu_ticks $(postgres_pids))"
ours="$(run_wrk "$BENCH_TEAMS_OURS" ours "$SECONDS_RUN")"
ours_cpu1="$(cpu_ticks "$BENCH_TEAMS_HOST_PID")"
pg_cpu1="$(cpu_ticks $(postgres_pids))"
ours_requests="$(field requests "$ours")"
ours_errors="$(( $(field non2xx "$ours") + $(field connect "$ours") + $(field read "$ours") + $(field write "$ours") + $(field timeout "$ours") ))"
drain_start="$(date +%s%N)"
if [ -z "${BENCH_TEAMS_INGEST_ONLY:-}" ]; then
  wait_until "our replies" 600 pending_turns || true
  wait_until "our replies at the sink" 30 sink_has "$ours_requests" || true
fi
drain_ms=$(( ($(date +%s%N) - drain_start) / 1000000 ))
ours_replies="$(sink_replies)"
persisted="$(sql "SELECT count(*) FROM inbox WHERE channel = 'teams' AND event_id LIKE 'ours-%'")"
answered="$(sql "SELECT count(*) FROM inbox WHERE channel = 'teams' AND event_id LIKE 'ours-%' AND status = 'Done'")"
user_events="$(sql "SELECT count(*) FROM inbox i JOIN thread_events e ON e.id = i.thread_event_id WHERE i.channel = 'teams' AND i.event_id LIKE 'ours-%'")"

row() {
  local name="$1" r="$2" cpu="$3" pgcpu="$4"
  local requests; requests="$(field requests "$r")"
  local errors=$(( $(field non2xx "$r") + $(field connect "$r") + $(field read "$r") + $(field write "$r") + $(field timeout "$r") ))
  awk -v n="$name" -v q="$requests" -v rps="$(field rps "$r")" -v p50="$(field p50_ms "$r")" -v p90="$(field p90_ms "$r")" \
      -v p99="$(field p99_ms "$r")" -v mx="$(field max_ms "$r")" -v e="$errors" -v c="$cpu" -v g="$pgcpu" -v t="$TICKS" \
    'BEGIN { printf "%-28s %8d %9.1f %8.2f %8.2f %8.2f %8.2f %7d | %9.3f %s\n", n, q, rps, p50, p90, p99, mx, e, (c / t * 1000) / (q > 0 ? q : 1), (g == "" ? "" : sprintf("%9.3f", (g / t * 1000) / (q > 0 ? q : 1))) }'
}

echo
printf '%-28s %8s %9s %8s %8s %8s %8s %7s | %9s %9s\n' "bot" "requests" "req/s" "p50 ms" "p90 ms" "p99 ms" "max ms" "errors" "CPU ms/rq" "PG ms/rq"
row "botbuilder 4.23.3 echo" "$bb" $((bb_cpu1 - bb_cpu0)) ""
row "ours /api/messages" "$ours" $((ours_cpu1 - ours_cpu0)) $((pg_cpu1 - pg_cpu0))
echo
awk -v a="$(field rps "$ours")" -v b="$(field rps "$bb")" -v pa="$(field p99_ms "$ours")" -v pb="$(field p99_ms "$bb")" \
  'BEGIN { printf "ratio ours/botbuilder: throughput %.2fx, p99 %.2fx\n", a / b, pa / pb }'
echo "botbuilder: $bb_replies replies at the sink for $bb_requests requests (sent inside each request)"
echo "ours: $persisted messages persisted (inbox rows; $user_events user thread events) for $ours_requests requests ($ours_errors errors);" \
  "$answered turns completed and $ours_replies replies at the sink, the last ${drain_ms} ms after wrk stopped"
verdict="$(awk -v a="$(field rps "$ours")" -v b="$(field rps "$bb")" -v pa="$(field p99_ms "$ours")" -v pb="$(field p99_ms "$bb")" \
  -v ok="$([ "$persisted" -ge "$ours_requests" ] && [ "$ours_errors" = 0 ] && echo 1 || echo 0)" \
  'BEGIN { print ((a >= 2 * b && pa <= pb && ok == 1) ? "MET" : "NOT MET") }')"
echo "TARGET at least 2x botbuilder's throughput at an equal or lower p99, every message persisted: $verdict"
