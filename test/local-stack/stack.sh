#!/usr/bin/env bash
# Local AWS stack for development and tests: Ceph radosgw (S3, two "partitions" as two RGW
# tenants on two ports), fauxqs (SQS) and dynalite (DynamoDB). Everything runs as plain
# background processes of the current user on 127.0.0.1; no Docker, no systemd.
# All state lives under <repo>/.local/ (gitignored). See test/local-stack/README.md.
#
# Usage: bash test/local-stack/stack.sh up|down|status|restart-rgw|stop-rgw|env
#
# Env overrides (read by `up`; the other commands use the values of the last `up`):
#   LOCAL_RGW_PORT (7480)      S3, "global" partition side
#   LOCAL_RGW_CN_PORT (7481)   S3, "china" partition side (same radosgw)
#   LOCAL_SQS_PORT (9324)      fauxqs
#   LOCAL_DDB_PORT (8000)      dynalite
#   LOCAL_MON_PORT (3300), LOCAL_MON_V1_PORT (6789)   Ceph monitor
#   MEMSTORE_BYTES (8 GiB)     RAM the OSD may use for object data
#   SKIP_APT=1                 never call apt-get
set -euo pipefail
set -E # ERR trap also inside functions

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STATE=$ROOT/.local
CEPH_DIR=$STATE/ceph
RUN=$STATE/run
LOGS=$STATE/logs
CONF=$CEPH_DIR/ceph.conf
ENV_FILE=$STATE/stack.env
CREDS_FILE=$STATE/credentials.json
SETTINGS_FILE=$RUN/settings # the settings of the running stack (ports, memstore size)
export CEPH_CONF=$CONF

FAUXQS_CLI=$ROOT/test/node_modules/fauxqs/dist/cli.js
DYNALITE_CLI=$ROOT/test/node_modules/dynalite/cli.js

# Fixed keys so tests can hard-code them. Tenant = separate bucket namespace.
GLOBAL_TENANT=global; GLOBAL_USER=global-user
GLOBAL_AK=AKIALOCALGLOBAL00001; GLOBAL_SK=localGlobalSecretKey0000000000000000000000
CHINA_TENANT=china; CHINA_USER=china-user
CHINA_AK=AKIALOCALCHINA000001; CHINA_SK=localChinaSecretKey00000000000000000000000

# api_name of RGW's zonegroup = the one LocationConstraint CreateBucket accepts (see cmd_up)
RGW_API_NAME=cn-north-1

# The services, in start order. Pid files: $RUN/<name>.pid. Logs: $LOGS/<name>.log.
SERVICES="mon osd rgw fauxqs dynalite"

log() { echo "[stack $(date +%T)] $*" >&2; }
die() { echo "stack.sh: $*" >&2; exit 1; }

usage() {
  cat >&2 <<EOF
usage: bash test/local-stack/stack.sh install|up|down|status|started|restart-rgw|stop-rgw|env
  install      install the Debian packages (Ceph) if missing, start nothing
  up           install packages if missing, start Ceph RGW + fauxqs + dynalite, write .local/stack.env
               and .local/credentials.json (already running: only rewrites those files)
  down         stop everything this script started (harmless if nothing runs)
  status       print "running" and exit 0 if every piece runs and answers, else list what is down, exit 1
  started      exit 0 if any piece this script starts is running (healthy or not), else exit 1
  stop-rgw     kill radosgw only (fault tests); cluster data is kept
  restart-rgw  start radosgw again if it is not running
  env          print the path of the env file
EOF
}

# ------------------------------------------------------------------ settings
load_settings() { # $1 = desired (env/defaults) | running (saved by the last up, env as fallback)
  if [ "$1" = running ] && [ -r "$SETTINGS_FILE" ]; then
    # shellcheck disable=SC1090
    . "$SETTINGS_FILE"
  else
    RGW_PORT=${LOCAL_RGW_PORT:-7480}
    RGW_CN_PORT=${LOCAL_RGW_CN_PORT:-7481}
    SQS_PORT=${LOCAL_SQS_PORT:-9324}
    DDB_PORT=${LOCAL_DDB_PORT:-8000}
    MON_PORT=${LOCAL_MON_PORT:-3300}
    MON_V1_PORT=${LOCAL_MON_V1_PORT:-6789}
    MEMSTORE=${MEMSTORE_BYTES:-$((8 * 1024 * 1024 * 1024))}
  fi
}

settings_text() {
  printf '%s\n' "RGW_PORT=$RGW_PORT" "RGW_CN_PORT=$RGW_CN_PORT" "SQS_PORT=$SQS_PORT" \
    "DDB_PORT=$DDB_PORT" "MON_PORT=$MON_PORT" "MON_V1_PORT=$MON_V1_PORT" "MEMSTORE=$MEMSTORE" \
    "RGW_API_NAME=$RGW_API_NAME"
}

validate_settings() {
  local p seen=" "
  for p in "$RGW_PORT" "$RGW_CN_PORT" "$SQS_PORT" "$DDB_PORT" "$MON_PORT" "$MON_V1_PORT"; do
    [[ $p =~ ^[0-9]+$ ]] && [ "$p" -ge 1 ] && [ "$p" -le 65535 ] || die "invalid port '$p'"
    case "$seen" in *" $p "*) die "port $p is configured twice; check the LOCAL_*_PORT variables" ;; esac
    seen="$seen$p "
  done
  [[ $MEMSTORE =~ ^[0-9]+$ ]] || die "MEMSTORE_BYTES must be a number of bytes, got '$MEMSTORE'"
}

# ------------------------------------------------------------------ processes
# expected command line fragment per service, so a recycled pid is never mistaken for ours
cmd_pattern() {
  case $1 in
    mon) echo ceph-mon ;; osd) echo ceph-osd ;; rgw) echo radosgw ;;
    fauxqs) echo fauxqs/dist/cli.js ;; dynalite) echo dynalite/cli.js ;;
  esac
}

pid_of() { # prints the pid if the service's pid file names a live process of ours
  local f=$RUN/$1.pid pid
  [ -r "$f" ] || return 1
  pid=$(cat "$f" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  is_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$(cmd_pattern "$1")" || return 1
  echo "$pid"
}

is_alive() { # a zombie counts as gone (init may take a second or two to reap our orphans)
  kill -0 "$1" 2>/dev/null || return 1
  local st
  st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "${st:0:1}" != Z ]
}

start_bg() { # start_bg <service> <command...>: background, no controlling fds, our own pid file
  local name=$1; shift
  # 9>&- : do not leak the lock fd into the daemons (they would hold the lock forever)
  nohup "$@" >>"$LOGS/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$RUN/$name.pid"
}

stop_services() { # stop_services <service...>: TERM, then KILL after 5 s; removes pid files
  local s pid pids="" names=""
  for s in "$@"; do
    if pid=$(pid_of "$s"); then
      kill -TERM "$pid" 2>/dev/null || true
      pids="$pids $pid"; names="$names $s($pid)"
    fi
    rm -f "$RUN/$s.pid"
  done
  [ -n "$pids" ] || return 0
  log "stopping$names"
  local end=$((SECONDS + 5)) alive
  while :; do
    alive=""
    for pid in $pids; do is_alive "$pid" && alive="$alive $pid"; done
    [ -n "$alive" ] || return 0
    if [ $SECONDS -ge $end ]; then
      log "still alive after 5 s, killing:$alive"
      # shellcheck disable=SC2086
      kill -KILL $alive 2>/dev/null || true
      sleep 0.2
      return 0
    fi
    sleep 0.1
  done
}

stop_all() {
  # radosgw first: on TERM it hangs in shutdown (up to 120 s) once the OSD is gone.
  stop_services rgw fauxqs dynalite
  stop_services osd
  stop_services mon
}

wait_for() { # wait_for <seconds> <description> <command...>
  local secs=$1 what=$2; shift 2
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $end ]; then log "timeout after ${secs}s waiting for $what"; return 1; fi
    sleep 0.2
  done
}

# ------------------------------------------------------------------ health checks
rgw_answers() { # anonymous ListBuckets answers with a ListAllMyBucketsResult
  curl -s -m 5 "http://127.0.0.1:$1/" 2>/dev/null | grep -q ListAllMyBucketsResult
}
rgw_both_answer() { rgw_answers "$RGW_PORT" && rgw_answers "$RGW_CN_PORT"; }
ceph_osd_up() { timeout 10 ceph osd dump 2>/dev/null | grep -q '^osd\.0 up'; }
fauxqs_answers() { curl -s -m 3 "http://127.0.0.1:$SQS_PORT/health" >/dev/null 2>&1; }
dynalite_answers() { # any HTTP answer (dynalite replies 4xx to a bare GET)
  local code
  code=$(curl -s -m 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$DDB_PORT/" 2>/dev/null) || true
  [ -n "$code" ] && [ "$code" != 000 ]
}

# prints the problems, one per line; no output = all good
health_problems() {
  local s
  for s in $SERVICES; do pid_of "$s" >/dev/null || echo "$s: not running"; done
  if pid_of mon >/dev/null; then
    if ! ceph_osd_up; then
      if timeout 10 ceph mon stat >/dev/null 2>&1; then echo "osd: not up in the cluster"
      else echo "mon: does not answer"; fi
    fi
  fi
  if pid_of rgw >/dev/null; then
    rgw_answers "$RGW_PORT" || echo "rgw: no S3 answer on 127.0.0.1:$RGW_PORT"
    rgw_answers "$RGW_CN_PORT" || echo "rgw: no S3 answer on 127.0.0.1:$RGW_CN_PORT"
  fi
  if pid_of fauxqs >/dev/null; then fauxqs_answers || echo "fauxqs: no answer on port $SQS_PORT"; fi
  if pid_of dynalite >/dev/null; then dynalite_answers || echo "dynalite: no answer on port $DDB_PORT"; fi
}

# ------------------------------------------------------------------ ports
port_in_use() {
  if command -v ss >/dev/null 2>&1; then
    [ -n "$(ss -ltnH "( sport = :$1 )" 2>/dev/null)" ]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

port_owner() { # best effort: " (pid N name)" of the listener, empty if unknown
  command -v ss >/dev/null 2>&1 || return 0
  ss -ltnpH "( sport = :$1 )" 2>/dev/null |
    sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/ (pid \2 \1)/p' | head -n 1
}

check_ports() { # fails on the first port that is taken
  local entry port what var
  for entry in "$RGW_PORT|S3 endpoint radosgw, global side|LOCAL_RGW_PORT" \
               "$RGW_CN_PORT|S3 endpoint radosgw, china side|LOCAL_RGW_CN_PORT" \
               "$MON_PORT|Ceph monitor v2|LOCAL_MON_PORT" \
               "$MON_V1_PORT|Ceph monitor v1|LOCAL_MON_V1_PORT" \
               "$SQS_PORT|SQS emulator fauxqs|LOCAL_SQS_PORT" \
               "$DDB_PORT|DynamoDB emulator dynalite|LOCAL_DDB_PORT"; do
    IFS='|' read -r port what var <<<"$entry"
    if port_in_use "$port"; then
      die "port $port ($what) is already in use by another process$(port_owner "$port"); stop it or set $var"
    fi
  done
}

# ------------------------------------------------------------------ env files
write_env_files() {
  local old_umask
  old_umask=$(umask); umask 077
  cat >"$ENV_FILE.tmp" <<EOF
# Written by test/local-stack/stack.sh up. Load with:  set -a; . .local/stack.env; set +a
# "Instance role" side = the AWS global partition (RGW tenant '$GLOBAL_TENANT').
# The SQS and DynamoDB emulators accept any credentials, so these serve for them too.
AWS_ACCESS_KEY_ID=$GLOBAL_AK
AWS_SECRET_ACCESS_KEY=$GLOBAL_SK
AWS_REGION=us-east-1
AWS_ENDPOINT_URL_S3=http://127.0.0.1:$RGW_PORT
AWS_ENDPOINT_URL_SQS=http://127.0.0.1:$SQS_PORT
AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$DDB_PORT
LOCAL_CEPH_CONF=$CONF
LOCAL_CREDENTIALS_FILE=$CREDS_FILE
EOF
  # the other side (AWS China), in the shape of the production SSM SecureString
  cat >"$CREDS_FILE.tmp" <<EOF
{"aws_access_key_id": "$CHINA_AK", "aws_secret_access_key": "$CHINA_SK", "region": "cn-north-1", "endpoint": "http://127.0.0.1:$RGW_CN_PORT"}
EOF
  umask "$old_umask"
  chmod 600 "$ENV_FILE.tmp" "$CREDS_FILE.tmp"
  mv -f "$ENV_FILE.tmp" "$ENV_FILE"
  mv -f "$CREDS_FILE.tmp" "$CREDS_FILE"
}

print_summary() {
  cat <<EOF
  S3 (radosgw)   global side  http://127.0.0.1:$RGW_PORT  tenant '$GLOBAL_TENANT' user '$GLOBAL_USER' ($GLOBAL_AK)
                 china side   http://127.0.0.1:$RGW_CN_PORT  tenant '$CHINA_TENANT' user '$CHINA_USER' ($CHINA_AK)
  SQS (fauxqs)                http://127.0.0.1:$SQS_PORT
  DynamoDB (dynalite)         http://127.0.0.1:$DDB_PORT
  env (global side):  set -a; . $ENV_FILE; set +a
  china side creds:   $CREDS_FILE
  ceph conf:          $CONF    logs: $LOGS/
  stop with:          bash test/local-stack/stack.sh down
EOF
}

# ------------------------------------------------------------------ packages
ensure_packages() {
  local missing="" b
  # The last three: infra's offline checks of the rendered host scripts.
  for b in ceph-mon ceph-osd radosgw radosgw-admin ceph monmaptool ceph-authtool curl \
    shellcheck logrotate systemd-analyze; do
    command -v "$b" >/dev/null 2>&1 || missing="$missing $b"
  done
  [ -n "$missing" ] || return 0
  [ "${SKIP_APT:-0}" != 1 ] || die "missing commands:$missing (SKIP_APT=1 set, not installing)"
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "missing commands:$missing; not root and no sudo: install ceph-mon ceph-osd radosgw ceph-common curl shellcheck logrotate systemd"
    sudo=sudo
  fi
  log "installing Debian packages ceph-mon ceph-osd radosgw ceph-common curl shellcheck logrotate systemd (missing:$missing)"
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install ceph-mon ceph-osd radosgw ceph-common curl (Ceph 16+) shellcheck logrotate systemd yourself"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends --no-upgrade \
    ceph-mon ceph-osd radosgw ceph-common curl shellcheck logrotate systemd
  for b in $missing; do command -v "$b" >/dev/null 2>&1 || die "still missing after install: $b"; done
}

ensure_node_packages() {
  command -v node >/dev/null 2>&1 || die "node not found (needed for fauxqs and dynalite)"
  [ -f "$FAUXQS_CLI" ] || die "fauxqs not installed ($FAUXQS_CLI missing): run pnpm install"
  [ -f "$DYNALITE_CLI" ] || die "dynalite not installed ($DYNALITE_CLI missing): run pnpm install"
}

# ------------------------------------------------------------------ up
up_fail() { # up_fail <message> [log names...]: show logs, stop what we started, exit 1
  local msg=$1; shift
  trap - ERR INT TERM
  log "FAILED: $msg"
  local names=("$@") n f
  [ ${#names[@]} -gt 0 ] || names=(mon osd rgw fauxqs dynalite ceph-mon.a ceph-osd.0 ceph-client.rgw.a \
    ceph-client.admin pools zonegroup users osd-mkfs mon-mkfs)
  for n in "${names[@]}"; do
    f=$LOGS/$n.log
    if [ -s "$f" ]; then echo "== last lines of $f" >&2; tail -n 15 "$f" >&2; fi
  done
  stop_all
  exit 1
}

cmd_up() {
  local t0=$EPOCHREALTIME
  load_settings desired
  validate_settings
  ensure_packages
  ensure_node_packages
  mkdir -p "$RUN" "$LOGS"
  if awk -v m="$MEMSTORE" '/^MemAvailable:/ { exit !(m > $2 * 1024) }' /proc/meminfo 2>/dev/null; then
    log "warning: MEMSTORE_BYTES=$MEMSTORE is more than the available memory; big uploads may get the OSD killed"
  fi

  # already running with the same settings? then only rewrite the env files
  if [ -r "$SETTINGS_FILE" ] && [ "$(cat "$SETTINGS_FILE")" = "$(settings_text)" ] &&
     [ -z "$(health_problems)" ]; then
    write_env_files
    echo "local stack already running"
    print_summary
    return 0
  fi

  # partly running (or other settings): stop ours, then start fresh
  local s any=""
  for s in $SERVICES; do pid_of "$s" >/dev/null && any=1; done
  if [ -n "$any" ]; then log "local stack partly running or with other settings: restarting it"; fi
  stop_all
  rm -f "$SETTINGS_FILE"

  check_ports

  trap 'up_fail "unexpected error at line $LINENO"' ERR
  trap 'up_fail interrupted none' INT TERM

  # fresh state (memstore keeps the data in RAM anyway)
  rm -rf "$CEPH_DIR" "$LOGS"
  mkdir -p "$CEPH_DIR"/{run,data/mon.a,data/osd.0,data/rgw.a,crash} "$LOGS"
  local asok="$CEPH_DIR/run/ceph-client.rgw.a.asok"
  [ ${#asok} -lt 100 ] || up_fail "repository path too long for Ceph's unix sockets ($asok); clone it to a shorter path"

  # the emulators start in ~0.2 s; start them first and check them at the end
  start_bg fauxqs env FAUXQS_PORT="$SQS_PORT" FAUXQS_LOGGER=false FAUXQS_HOST=localhost \
    FAUXQS_DEFAULT_REGION=us-east-1 node "$FAUXQS_CLI"
  start_bg dynalite node "$DYNALITE_CLI" --port "$DDB_PORT" --host 127.0.0.1 \
    --createTableMs 0 --deleteTableMs 0 --updateTableMs 0

  # ---- Ceph: one mon, one memstore OSD, radosgw on two endpoints
  local fsid osd_uuid mon_addr
  fsid=$(cat /proc/sys/kernel/random/uuid)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  mon_addr="[v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_V1_PORT]"
  cat >"$CONF" <<EOF
# Written by test/local-stack/stack.sh; rewritten by every 'up'.
[global]
fsid = $fsid
mon host = $mon_addr
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
run dir = $CEPH_DIR/run
admin socket = $CEPH_DIR/run/\$cluster-\$name.asok
pid file = $CEPH_DIR/run/\$cluster-\$name.pid
log file = $LOGS/\$cluster-\$name.log
mon cluster log file = $LOGS/\$cluster.log
crash dir = $CEPH_DIR/crash
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 2
mon data avail crit = 1
mon warn on insecure global id reclaim allowed = false
# commit mon changes quickly (the default 1 s per proposal makes every pool create take ~1 s)
paxos propose interval = 0.05
paxos min wait = 0.01

[mon]
mon data = $CEPH_DIR/data/mon.\$id

[osd]
osd data = $CEPH_DIR/data/osd.\$id
# no disks: object data lives in the OSD's RAM; restarting the OSD loses everything
osd objectstore = memstore
memstore device bytes = $MEMSTORE
osd memory target = 1073741824

[client]
# reclaim deleted/overwritten objects within minutes instead of 2 h (memstore is RAM)
rgw gc obj min wait = 60
rgw gc processor period = 60

[client.rgw.a]
# radosgw defaults to ms_mon_client_mode=secure, impossible with auth=none: without this
# it loops forever on "get_initial_auth_request returned -13".
ms mon client mode = crc
rgw data = $CEPH_DIR/data/rgw.\$id
# one radosgw, two endpoints: $RGW_PORT stands for the AWS global partition, $RGW_CN_PORT for AWS China
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT endpoint=127.0.0.1:$RGW_CN_PORT
rgw thread pool size = 128
EOF

  log "starting ceph mon"
  monmaptool --create --fsid "$fsid" --addv a "$mon_addr" "$CEPH_DIR/monmap" >>"$LOGS/mon-mkfs.log" 2>&1 ||
    up_fail "monmaptool" mon-mkfs
  ceph-authtool --create-keyring "$CEPH_DIR/mon.keyring" --gen-key -n mon. --cap mon 'allow *' \
    >>"$LOGS/mon-mkfs.log" 2>&1 || up_fail "ceph-authtool" mon-mkfs
  ceph-mon --mkfs -i a --monmap "$CEPH_DIR/monmap" --keyring "$CEPH_DIR/mon.keyring" \
    >>"$LOGS/mon-mkfs.log" 2>&1 || up_fail "ceph-mon --mkfs" mon-mkfs ceph-mon.a
  start_bg mon ceph-mon -i a -f
  wait_for 60 "ceph mon" timeout 5 ceph mon stat || up_fail "ceph mon did not come up" mon ceph-mon.a

  log "starting ceph osd (memstore, $((MEMSTORE / 1024 / 1024)) MiB)"
  local osd_id
  osd_id=$(timeout 30 ceph osd new "$osd_uuid" 2>>"$LOGS/osd-mkfs.log") || up_fail "ceph osd new" osd-mkfs mon
  [ "$osd_id" = 0 ] || up_fail "unexpected osd id '$osd_id'" osd-mkfs
  ceph-osd -i 0 --mkfs --osd-uuid "$osd_uuid" >>"$LOGS/osd-mkfs.log" 2>&1 || up_fail "ceph-osd --mkfs" osd-mkfs ceph-osd.0
  start_bg osd ceph-osd -i 0 -f
  wait_for 60 "osd.0 up" ceph_osd_up || up_fail "ceph osd did not come up" osd ceph-osd.0 ceph-mon.a

  # pre-create the rgw pools in one ceph CLI session (rgw would otherwise create them one by one)
  log "creating rgw pools"
  local p
  {
    for p in .rgw.root default.rgw.log default.rgw.control default.rgw.meta \
             default.rgw.buckets.index default.rgw.buckets.data default.rgw.buckets.non-ec; do
      echo "osd pool create $p 8 8 replicated"
      echo "osd pool application enable $p rgw"
    done
  } | timeout 60 ceph >>"$LOGS/pools.log" 2>&1 || up_fail "rgw pool creation" pools ceph-mon.a

  log "creating S3 users (tenants '$GLOBAL_TENANT' and '$CHINA_TENANT')"
  timeout 60 radosgw-admin user create --tenant="$GLOBAL_TENANT" --uid="$GLOBAL_USER" \
    --display-name="Global partition side" --access-key="$GLOBAL_AK" --secret-key="$GLOBAL_SK" \
    >>"$LOGS/users.log" 2>&1 || up_fail "radosgw-admin user create ($GLOBAL_TENANT)" users
  timeout 60 radosgw-admin user create --tenant="$CHINA_TENANT" --uid="$CHINA_USER" \
    --display-name="China partition side" --access-key="$CHINA_AK" --secret-key="$CHINA_SK" \
    >>"$LOGS/users.log" 2>&1 || up_fail "radosgw-admin user create ($CHINA_TENANT)" users

  # The SDK sends CreateBucketConfiguration.LocationConstraint=<region> for every region but
  # us-east-1, and RGW only accepts its zonegroup's api_name there ("default" out of the box), so a
  # cn-north-1 client could not create buckets. Name the (only) zonegroup cn-north-1: china-side
  # CreateBucket then works as on AWS; us-east-1 sends no constraint. Must precede radosgw's start.
  # (the first radosgw-admin user create has created the default zonegroup and zone)
  timeout 60 radosgw-admin zonegroup modify --rgw-zonegroup=default --api-name="$RGW_API_NAME" \
    >>"$LOGS/zonegroup.log" 2>&1 || up_fail "radosgw-admin zonegroup modify" zonegroup ceph-client.admin

  log "starting radosgw on 127.0.0.1:$RGW_PORT and 127.0.0.1:$RGW_CN_PORT"
  start_bg rgw radosgw -n client.rgw.a -f
  wait_for 120 "radosgw S3 answer" rgw_both_answer || up_fail "radosgw did not answer on both ports" rgw ceph-client.rgw.a

  wait_for 30 "fauxqs on port $SQS_PORT" fauxqs_answers || up_fail "fauxqs did not answer on port $SQS_PORT" fauxqs
  wait_for 30 "dynalite on port $DDB_PORT" dynalite_answers || up_fail "dynalite did not answer on port $DDB_PORT" dynalite
  # pids alive after the waits (an emulator that crashed on start would show here)
  for s in $SERVICES; do pid_of "$s" >/dev/null || up_fail "$s exited during start" "$s"; done

  settings_text >"$SETTINGS_FILE"
  write_env_files
  trap - ERR INT TERM
  local ms
  ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
  echo "local stack up in ${ms} s"
  print_summary
  for s in $SERVICES; do printf '  %-9s pid %s\n' "$s" "$(cat "$RUN/$s.pid")"; done
}

# ------------------------------------------------------------------ other commands
cmd_status() {
  load_settings running
  local problems
  problems=$(health_problems)
  if [ -z "$problems" ]; then echo "running"; return 0; fi
  echo "local stack not (fully) running:"
  sed 's/^/  /' <<<"$problems"
  return 1
}

cmd_started() {
  local s
  for s in $SERVICES; do pid_of "$s" >/dev/null && return 0; done
  return 1
}

cmd_restart_rgw() {
  load_settings running
  local pid
  if pid=$(pid_of rgw); then log "radosgw is running (pid $pid)"; return 0; fi
  [ -r "$CONF" ] || die "no cluster in $CEPH_DIR: run 'up' first"
  pid_of mon >/dev/null && pid_of osd >/dev/null || die "ceph mon/osd not running: run 'up' (the cluster data is gone)"
  local t0=$EPOCHREALTIME
  start_bg rgw radosgw -n client.rgw.a -f
  if ! wait_for 60 "radosgw S3 answer" rgw_both_answer; then
    tail -n 15 "$LOGS/rgw.log" "$LOGS/ceph-client.rgw.a.log" >&2 2>/dev/null || true
    die "radosgw did not answer on ports $RGW_PORT and $RGW_CN_PORT"
  fi
  log "radosgw restarted, pid $(cat "$RUN/rgw.pid"), in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
}

cmd_stop_rgw() {
  load_settings running
  pid_of rgw >/dev/null || { rm -f "$RUN/rgw.pid"; log "radosgw is not running"; return 0; }
  stop_services rgw
}

cmd_down() {
  stop_all
  rm -f "$SETTINGS_FILE"
  log "local stack down"
}

cmd_env() {
  echo "$ENV_FILE"
  [ -r "$ENV_FILE" ] || { echo "stack.sh: $ENV_FILE does not exist yet: run 'up'" >&2; return 1; }
}

# ------------------------------------------------------------------ main
[ $# -eq 1 ] || { usage; exit 2; }
case $1 in
  up|down|restart-rgw|stop-rgw)
    mkdir -p "$RUN"
    # one stack.sh at a time (e.g. parallel test runners all calling 'up')
    if command -v flock >/dev/null 2>&1; then
      exec 9>"$RUN/lock"
      flock -w 300 9 || die "another stack.sh is still running after 300 s ($RUN/lock)"
    fi
    ;;
esac
case $1 in
  install) ensure_packages ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  started) cmd_started ;;
  restart-rgw) cmd_restart_rgw ;;
  stop-rgw) cmd_stop_rgw ;;
  env) cmd_env ;;
  -h|--help|help) usage ;;
  *) usage; exit 2 ;;
esac
