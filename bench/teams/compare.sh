#!/usr/bin/env bash
# The /api/messages benchmark, run by `./bot bench teams` (which starts PostgreSQL, our Release host with
# Teams:Enabled and no app id, Microsoft's botbuilder echo bot and the connector sink, and stops them afterwards).
#
# Same machine, same payload (activity.lua), same wrk settings for both bots. Several configurations run one after
# the other, each botbuilder first, then ours, each after a warm-up of its own:
#   CxV  C wrk connections, messages spread over V conversations (BENCH_CONVERSATIONS); 32x1 is one busy conversation.
# What the two sides do with a message differs, and the output says so:
#   botbuilder  the echo bot posts its reply to the connector sink inside the request, then answers 200; it stores
#               nothing, so its reply is done when its request is.
#   ours        persists every message (an inbox row) before it answers 202; a turn worker runs the turn and stores
#               it, and the reply goes to the sink through the durable outbox, after the request.
# So acknowledging is not answering: the bench measures both.
#   acknowledged  wrk's figures: 2xx answers, their rate and latency (p50/p99), errors.
#   replies       what reached the connector sink, each reply matched to its message by replyToId (the message id
#                 carries its send time): answered messages, replies/s over the load plus the drain (answered ÷
#                 (load seconds + time from wrk's stop to the last reply)), reply latency from the message's send to
#                 the reply's arrival (p50/p90/p99/max), replies missing, extra replies (a second reply to one
#                 message), and CPU ms per reply of the bot's process from the load's start to the end of the drain
#                 (for ours, PostgreSQL's apart), and for ours the inbox rows persisted against the requests.
# Each bot gets one priming load before the first configuration (both start cold). A run of ours starts only once the
# previous one has drained (no Pending inbox or outbox row), so runs do not overlap; each run's line also says how much
# CPU the other bot (and, during botbuilder's, PostgreSQL) used meanwhile, and the load average, since the machine is
# shared.
# Per configuration three goals are judged, MET or NOT MET: replies/s ours ÷ botbuilder ≥ 1.5; our replies keep pace
# with our acknowledgements (replies/s ÷ acknowledged/s ≥ 0.7); our slowest reply ≤ 2000 ms (none missing). A goal
# NOT MET is a result, not a failure: the script exits non-zero only when the bench itself is broken (a peer died,
# wrk failed, a message acknowledged but not persisted, no reply of botbuilder's reached the sink).
#
# Environment, set by ./bot: BENCH_TEAMS_SINK, BENCH_TEAMS_REFERENCE, BENCH_TEAMS_OURS, BENCH_TEAMS_PSQL,
#   BENCH_TEAMS_HOST_PID, BENCH_TEAMS_BOTBUILDER_PID, BENCH_TEAMS_SINK_PID, BENCH_TEAMS_POSTMASTER_PID
# Optional: BENCH_TEAMS_SECONDS (10) load per run, BENCH_TEAMS_WARMUP (3) warm-up per run, BENCH_TEAMS_DRAIN (120)
#   seconds to wait for replies after wrk stops, BENCH_TEAMS_IDLE_TIMEOUT (600) seconds to wait for ours to drain
#   before a run, BENCH_TEAMS_CONFIGS ("8x64 8x4096 32x64 32x4096 32x1"), BENCH_TEAMS_THREADS (2, wrk threads).
# Diagnosis: BENCH_TEAMS_INGEST_ONLY=1 waits for no reply and judges nothing (with BENCH_TEAMS_SETTINGS=
#   "Pipeline__TurnWorkers=0 Pipeline__OutboxSenders=0" given to ./bot bench teams, it measures acknowledging alone).
#   BENCH_TEAMS_PROFILE=1 with PG_EXTRA_OPTIONS="-c shared_preload_libraries=pg_stat_statements" prints PostgreSQL's
#   time per statement after each of our runs; BENCH_TEAMS_VACUUM=1 vacuums inbox, outbox and threads between runs. Each of our runs also prints its write transactions per turn (transaction
#   ids taken, intake included; the script's own polling takes none).
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SECONDS_RUN="${BENCH_TEAMS_SECONDS:-10}"
WARMUP="${BENCH_TEAMS_WARMUP:-3}"
DRAIN="${BENCH_TEAMS_DRAIN:-120}"
IDLE_TIMEOUT="${BENCH_TEAMS_IDLE_TIMEOUT:-600}"
THREADS="${BENCH_TEAMS_THREADS:-2}"
CONFIGS="${BENCH_TEAMS_CONFIGS:-8x64 8x4096 32x64 32x4096 32x1}"
INGEST_ONLY="${BENCH_TEAMS_INGEST_ONLY:-}"
export BENCH_SERVICE_URL="$BENCH_TEAMS_SINK/"
read -r -a PSQL <<<"$BENCH_TEAMS_PSQL"
TICKS="$(getconf CLK_TCK)"
for config in $CONFIGS; do
  [[ "$config" =~ ^[1-9][0-9]*x[1-9][0-9]*$ ]] || { echo "BENCH_TEAMS_CONFIGS: '$config' is not CONNECTIONSxCONVERSATIONS (e.g. 32x64)" >&2; exit 64; }
done
for n in "$SECONDS_RUN" "$WARMUP" "$DRAIN" "$IDLE_TIMEOUT" "$THREADS"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "BENCH_TEAMS_SECONDS, _WARMUP, _DRAIN, _IDLE_TIMEOUT and _THREADS are whole numbers" >&2; exit 64; }
done

BROKEN=0 primed=0
broken() { echo "BENCH BROKEN: $*" >&2; BROKEN=1; }
now_ms() { date +%s%3N; }
sql() { "${PSQL[@]}" -tAqc "$1"; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
calc() { awk "BEGIN { $1 }" </dev/null; }

# sink GET|POST PATH: the sink's JSON answer as one line "SINK key=value ...".
sink() {
  node -e '
    fetch(process.argv[2], { method: process.argv[1] })
      .then(async (r) => {
        if (!r.ok) { process.exit(1); }
        const text = await r.text();
        const s = text ? JSON.parse(text) : {};
        console.log("SINK " + Object.entries(s).map(([k, v]) => `${k}=${v}`).join(" "));
      }, () => process.exit(1));' "$1" "$BENCH_TEAMS_SINK$2"
}

# sink_wait COUNT DEADLINE_MS: long-poll the sink until COUNT messages of the run are answered or the deadline passes.
sink_wait() {
  local count="$1" deadline="$2" left out
  while :; do
    left=$(( (deadline - $(now_ms)) / 1000 ))
    [ "$left" -gt 0 ] || return 1
    [ "$left" -le 60 ] || left=60
    out="$(sink GET "/wait?count=$count&timeout=$left")" || return 1
    [ "$(field reached "$out")" = true ] && return 0
  done
}

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

# postgres_pids: the postmaster (whose child times include its ended backends) and every backend it runs.
postgres_pids() {
  echo "$BENCH_TEAMS_POSTMASTER_PID"
  pgrep -P "$BENCH_TEAMS_POSTMASTER_PID" || true
}

peers_alive() {
  local name pid ok=0
  for name in host:$BENCH_TEAMS_HOST_PID botbuilder:$BENCH_TEAMS_BOTBUILDER_PID sink:$BENCH_TEAMS_SINK_PID postgres:$BENCH_TEAMS_POSTMASTER_PID; do
    pid="${name#*:}"
    kill -0 "$pid" 2>/dev/null || { broken "the ${name%%:*} process ($pid) died"; ok=1; }
  done
  return "$ok"
}

# run_wrk URL LABEL CONNECTIONS CONVERSATIONS SECONDS: prints wrk's RESULT line; fails when wrk does.
run_wrk() {
  local threads="$THREADS" out
  [ "$threads" -le "$3" ] || threads="$3"
  out="$(BENCH_RUN="$2" BENCH_CONVERSATIONS="$4" wrk -t"$threads" -c"$3" -d"$5"s --timeout 10s -s "$DIR/activity.lua" "$1" 2>&1)" \
    || { echo "$out" | tail -n 5 >&2; return 1; }
  grep '^RESULT ' <<<"$out" || { echo "$out" | tail -n 5 >&2; return 1; }
}

pending() { sql "SELECT (SELECT count(*) FROM inbox WHERE status = 'Pending') || ' ' || (SELECT count(*) FROM outbox WHERE status = 'Pending')"; }
idle() { [ "$(pending)" = "0 0" ]; }

# wait_idle DEADLINE_MS: poll until ours has no Pending inbox or outbox row (every 0.2 s), or the deadline passes.
wait_idle() {
  until idle; do
    [ "$(now_ms)" -lt "$1" ] || return 1
    sleep 0.2
  done
}

# before_run WHAT: unless ingest-only, wait until ours has drained its previous run, or say that runs overlap.
before_run() {
  [ -z "$INGEST_ONLY" ] || return 0
  if ! wait_idle $(( $(now_ms) + IDLE_TIMEOUT * 1000 )); then
    echo "  note: ours had not drained after ${IDLE_TIMEOUT}s before $1 (pending inbox/outbox: $(pending)); the runs overlap"
  fi
  # Diagnosis: BENCH_TEAMS_VACUUM=1 vacuums the pipeline's tables between runs (what autovacuum would do, given time).
  [ -z "${BENCH_TEAMS_VACUUM:-}" ] || sql "VACUUM (ANALYZE) inbox, outbox, threads" >/dev/null
}

verdict() { if [ "$1" = 1 ]; then echo MET; else echo "NOT MET"; fi; }

SUMMARY=()
# run BOT URL PID CONFIG_INDEX CONNECTIONS CONVERSATIONS: one warm-up and one measured run; sets R_* for the verdicts.
run() {
  local bot="$1" url="$2" pid="$3" idx="$4" c="$5" v="$6"
  local label="r$idx-$bot-${c}x$v" result
  R_OK=0
  before_run "$bot's warm-up"
  run_wrk "$url" "warm-$label" "$c" "$v" "$WARMUP" >/dev/null || { broken "wrk failed ($bot warm-up, ${c}x$v)"; return 1; }
  if [ "$bot" = bb ]; then sleep 1; else before_run "$bot's run"; fi
  sink POST "/reset?run=$label" >/dev/null || { broken "the sink did not reset"; return 1; }
  [ -z "${BENCH_TEAMS_PROFILE:-}" ] || [ "$bot" = bb ] || sql "SELECT pg_stat_statements_reset()" >/dev/null
  local outbox_failed0; outbox_failed0="$(sql "SELECT count(*) FROM outbox WHERE status <> 'Pending' AND status <> 'Sent'")"
  local cpu0 pg0 cpu1 pg1 other0 other1 other_pid="$BENCH_TEAMS_HOST_PID"
  [ "$bot" = bb ] || other_pid="$BENCH_TEAMS_BOTBUILDER_PID"
  local xid0="" xid1=""
  # Write transactions: each one that writes takes a transaction id, so the next id's advance counts them (the
  # script's own polling only reads and takes none).
  [ "$bot" = bb ] || xid0="$(sql "SELECT pg_snapshot_xmax(pg_current_snapshot())")"
  cpu0="$(cpu_ticks "$pid")"; pg0="$(cpu_ticks $(postgres_pids))"; other0="$(cpu_ticks "$other_pid")"
  result="$(run_wrk "$url" "$label" "$c" "$v" "$SECONDS_RUN")" || { broken "wrk failed ($bot, ${c}x$v)"; return 1; }
  local wrk_end; wrk_end="$(now_ms)"
  local requests sent seconds non2xx errors acked
  requests="$(field requests "$result")"; sent="$(field sent "$result")"; seconds="$(field seconds "$result")"
  non2xx="$(field non2xx "$result")"
  errors=$(( non2xx + $(field connect "$result") + $(field read "$result") + $(field write "$result") + $(field timeout "$result") ))
  acked=$(( requests - non2xx ))

  # The drain: wait for the replies (ours: also for its inbox and outbox to empty), at most DRAIN seconds after wrk.
  local deadline=$(( wrk_end + DRAIN * 1000 )) drained=yes persisted="" expected="$acked"
  if [ -z "$INGEST_ONLY" ]; then
    sink_wait "$acked" "$deadline" || drained=no
    if [ "$bot" = ours ]; then
      wait_idle "$deadline" || drained=no
      persisted="$(sql "SELECT count(*) FROM inbox WHERE channel = 'teams' AND event_id LIKE '$label-%'")"
      [ "$persisted" -le "$expected" ] || expected="$persisted"
      sink_wait "$expected" "$deadline" || drained=no
    fi
    sleep 0.5 # a reply of a request wrk cut at its stop may still be on its way
  fi
  cpu1="$(cpu_ticks "$pid")"; pg1="$(cpu_ticks $(postgres_pids))"; other1="$(cpu_ticks "$other_pid")"
  local stats; stats="$(sink GET /stats)" || { broken "the sink did not answer /stats"; return 1; }

  local answered extra foreign unparsed last
  answered="$(field answered "$stats")"; extra="$(field extra "$stats")"; foreign="$(field foreign "$stats")"
  unparsed="$(field unparsed "$stats")"; last="$(field last_reply_ms "$stats")"
  local extra_info=""
  if [ "$bot" = ours ]; then
    [ -n "$persisted" ] || persisted="$(sql "SELECT count(*) FROM inbox WHERE channel = 'teams' AND event_id LIKE '$label-%'")"
    [ "$persisted" -le "$expected" ] || expected="$persisted"
    local done_rows failed_rows outbox_failed pend
    done_rows="$(sql "SELECT count(*) FROM inbox WHERE channel = 'teams' AND event_id LIKE '$label-%' AND status = 'Done'")"
    failed_rows="$(sql "SELECT count(*) FROM inbox WHERE channel = 'teams' AND event_id LIKE '$label-%' AND status = 'Failed'")"
    outbox_failed=$(( $(sql "SELECT count(*) FROM outbox WHERE status <> 'Pending' AND status <> 'Sent'") - outbox_failed0 ))
    pend="$(pending)"
    xid1="$(sql "SELECT pg_snapshot_xmax(pg_current_snapshot())")"
    extra_info="; $(( xid1 - xid0 )) write transactions ($(awk -v w="$(( xid1 - xid0 ))" -v a="$done_rows" 'BEGIN { printf "%.2f", (a > 0 ? w / a : 0) }') per turn, intake included)"
    extra_info="$extra_info; inbox: $persisted rows persisted for $acked acknowledged ($sent sent), $done_rows done, $failed_rows failed; outbox: $outbox_failed failed; still pending inbox/outbox: ${pend/ /\/}"
    if [ -n "${BENCH_TEAMS_PROFILE:-}" ]; then
      echo "  PostgreSQL statements of this run by total time (pg_stat_statements):"
      sql "SELECT format('    %10s ms %8s calls %8s ms/call  %s', round(total_exec_time::numeric, 1), calls, round((total_exec_time / calls)::numeric, 3),
                         left(regexp_replace(query, '\s+', ' ', 'g'), 110))
             FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12"
    fi
    if [ "$persisted" -lt "$acked" ]; then broken "ours acknowledged $acked messages but persisted $persisted (${c}x$v): messages lost"; fi
  fi
  [ "$answered" -le "$sent" ] || broken "$answered replies counted for $sent messages sent ($bot, ${c}x$v)"
  if [ "$bot" = bb ] && [ -z "$INGEST_ONLY" ] && [ "$answered" = 0 ]; then broken "no reply of botbuilder's reached the sink (${c}x$v)"; fi
  [ "$acked" -gt 0 ] || broken "$bot acknowledged no request (${c}x$v)"

  # name  values: one line of the run, one row of the summary.
  local line
  line="$(awk -v q="$acked" -v s="$seconds" -v p50="$(field p50_ms "$result")" -v p99="$(field p99_ms "$result")" -v e="$errors" \
      -v a="$answered" -v last="$last" -v end="$wrk_end" -v want="$expected" -v x="$extra" \
      -v l50="$(field p50_ms "$stats")" -v l90="$(field p90_ms "$stats")" -v l99="$(field p99_ms "$stats")" -v lmax="$(field max_ms "$stats")" \
      -v c="$((cpu1 - cpu0))" -v g="$((pg1 - pg0))" -v t="$TICKS" -v ours="$([ "$bot" = ours ] && echo 1 || echo 0)" -v per="${persisted:--}" -v ingest="${INGEST_ONLY:+1}" \
      'function n(v) { return (v == "null" || v == "") ? "-" : sprintf("%.1f", v) }
       BEGIN {
         drain = (last == "null" || last == "" || last < end) ? 0 : (last - end) / 1000
         rps = (s + drain > 0) ? a / (s + drain) : 0
         miss = want - a; if (miss < 0) miss = 0
         d = ingest ? q : a # ingest only: CPU per acknowledged request
         cpu = d > 0 ? sprintf("%.3f", c / t * 1000 / d) : "-"
         pg = !ours ? "-" : (d > 0 ? sprintf("%.3f", g / t * 1000 / d) : "-")
         printf "%d %.1f %.2f %.2f %d %d %.1f %.2f %s %s %s %s %d %d %s %s %s %.4f\n",
           q, q / s, p50, p99, e, a, rps, drain, n(l50), n(l90), n(l99), n(lmax), miss, x, cpu, pg, per, (q / s > 0 ? rps / (q / s) : 0)
       }')"
  local v_acked v_ackrps v_p50 v_p99 v_err v_ans v_rps v_drain v_l50 v_l90 v_l99 v_lmax v_miss v_extra v_cpu v_pg v_per v_pace
  read -r v_acked v_ackrps v_p50 v_p99 v_err v_ans v_rps v_drain v_l50 v_l90 v_l99 v_lmax v_miss v_extra v_cpu v_pg v_per v_pace <<<"$line"
  local name="botbuilder" unit="reply"; [ "$bot" = bb ] || name="ours"; [ -z "$INGEST_ONLY" ] || unit="acknowledged request"
  echo "  $name: acknowledged $v_acked of $sent sent ($v_ackrps/s, p50 $v_p50 ms, p99 $v_p99 ms, $v_err errors) in ${seconds}s;" \
    "replies $v_ans answered, $v_miss missing, $v_extra extra, $foreign of other runs, $unparsed unparsed;" \
    "$v_rps replies/s over the load + ${v_drain}s drain$([ "$drained" = yes ] || echo " (gave up waiting after ${DRAIN}s)");" \
    "reply latency p50 $v_l50 / p90 $v_l90 / p99 $v_l99 / max $v_lmax ms;" \
    "CPU $v_cpu ms/$unit$([ "$bot" = ours ] && echo ", PostgreSQL $v_pg ms/$unit")$extra_info;" \
    "meanwhile the other bot used $(( (other1 - other0) * 1000 / TICKS )) ms CPU$([ "$bot" = bb ] && echo " and PostgreSQL $(( (pg1 - pg0) * 1000 / TICKS )) ms");" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"
  SUMMARY+=("$(printf '%-8s %-10s %8s %8s %8s %7s %7s %6s | %8s %8s %7s %8s %8s %8s %8s %7s %6s | %7s %7s %8s' \
    "${c}x$v" "$name" "$sent" "$v_acked" "$v_ackrps" "$v_p50" "$v_p99" "$v_err" "$v_ans" "$v_rps" "$v_drain" "$v_l50" "$v_l90" "$v_l99" "$v_lmax" \
    "$v_miss" "$v_extra" "$v_cpu" "$v_pg" "$v_per")")
  R_RPS="$v_rps" R_PACE="$v_pace" R_MAX="$v_lmax" R_MISS="$v_miss" R_OK=1
}

bb_version="$(node -p "require('$DIR/node_modules/botbuilder/package.json').version" 2>/dev/null || echo "?")"
echo "wrk: $THREADS threads; ${SECONDS_RUN}s load per run after a ${WARMUP}s warm-up; replies waited for up to ${DRAIN}s after wrk stops;" \
  "$(nproc) cores shared by wrk, both bots, the sink and PostgreSQL; payload: a Teams personal-chat message (bench/teams/activity.lua)"
echo "botbuilder $bb_version (echo-bot.mjs): CloudAdapter + ActivityHandler posts its echo reply to the sink inside the request, then answers 200; nothing is stored"
echo "ours (Release host, Teams:Enabled, no app id): every message persisted (inbox row) before the 202, the turn run and stored by a turn worker," \
  "the reply sent to the sink through the durable outbox"
echo "reply latency: from wrk sending the message to its reply reaching the sink (matched by replyToId); replies/s: answered ÷ (load + drain)"
[ -z "$INGEST_ONLY" ] || echo "INGEST ONLY: no reply is waited for, no goal judged, CPU is per acknowledged request (settings: ${BENCH_TEAMS_SETTINGS:-none})"

if [ -n "${BENCH_TEAMS_PROFILE:-}" ]; then
  # Diagnosis: PostgreSQL's time per statement after each of our runs (needs PG_EXTRA_OPTIONS="-c shared_preload_libraries=pg_stat_statements").
  sql "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null || broken "BENCH_TEAMS_PROFILE needs PG_EXTRA_OPTIONS=\"-c shared_preload_libraries=pg_stat_statements\""
fi

# Both bots (and the sink) start cold: one priming load each before the first configuration, so the first one is not
# measured on code still being compiled.
echo "priming: ${WARMUP}s of load on each bot before the first configuration"
for bot_url in "$BENCH_TEAMS_REFERENCE" "$BENCH_TEAMS_OURS"; do
  first="${CONFIGS%% *}"
  run_wrk "$bot_url" "prime-$((++primed))" "${first%x*}" "${first#*x}" "$WARMUP" >/dev/null || broken "wrk failed (priming $bot_url)"
done
before_run "the first configuration"

idx=0
for config in $CONFIGS; do
  idx=$((idx + 1))
  c="${config%x*}" v="${config#*x}"
  echo
  echo "== ${c}x$v: $c connections, $v conversation$([ "$v" = 1 ] && echo "" || echo s) =="
  bb_ok=0 bb_rps=0
  if run bb "$BENCH_TEAMS_REFERENCE" "$BENCH_TEAMS_BOTBUILDER_PID" "$idx" "$c" "$v"; then bb_ok=$R_OK bb_rps=$R_RPS; fi
  peers_alive || break
  if run ours "$BENCH_TEAMS_OURS" "$BENCH_TEAMS_HOST_PID" "$idx" "$c" "$v" && [ "$R_OK" = 1 ] && [ -z "$INGEST_ONLY" ]; then
    if [ "$bb_ok" = 1 ] && calc "exit !($bb_rps > 0)"; then
      ratio="$(calc "printf \"%.2f\", $R_RPS / $bb_rps")"
      echo "  replies/s ours/botbuilder ${ratio}x (goal ≥1.5x): $(verdict "$(calc "print ($ratio >= 1.5)")")"
    else
      echo "  replies/s ours/botbuilder: no botbuilder figure (goal ≥1.5x): NOT MET"
    fi
    echo "  replies keep pace: replies/s ÷ acked/s = $(calc "printf \"%.2f\", $R_PACE") (goal ≥0.7): $(verdict "$(calc "print ($R_PACE >= 0.7)")")"
    if [ "$R_MISS" -gt 0 ]; then
      echo "  slowest reply: $R_MISS replies missing, slowest answered $R_MAX ms (goal ≤2000 ms): NOT MET"
    else
      echo "  slowest reply $(calc "printf \"%.0f\", ${R_MAX/-/0}") ms (goal ≤2000 ms): $(verdict "$(calc "print (\"$R_MAX\" != \"-\" && ${R_MAX/-/0} <= 2000)")")"
    fi
  fi
  peers_alive || break
done

echo
echo "summary (sent = messages wrk sent, acked = its 2xx answers, sent - acked = in flight at wrk's stop or errors; replies = first replies"
echo "matched at the sink, to any message sent; lat = ms from send to reply at the sink; CPU, PG = ms per $([ -z "$INGEST_ONLY" ] && echo reply || echo "acked request") over load + drain;"
echo "persisted = our inbox rows of the run)"
printf '%-8s %-10s %8s %8s %8s %7s %7s %6s | %8s %8s %7s %8s %8s %8s %8s %7s %6s | %7s %7s %8s\n' \
  config bot sent acked "ack/s" "ack p50" "ack p99" errors replies "rep/s" "drain s" "lat p50" "lat p90" "lat p99" "lat max" missing extra \
  "CPU ms" "PG ms" persisted
for row in "${SUMMARY[@]}"; do echo "$row"; done
if [ "$BROKEN" = 1 ]; then
  echo "the bench is BROKEN (see BENCH BROKEN above): its figures are not to be trusted"
  exit 1
fi
