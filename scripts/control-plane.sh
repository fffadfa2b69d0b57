#!/usr/bin/env bash
# A throw-away local Kubernetes cluster for end-to-end tests and for trying
# the platform: etcd + kube-apiserver + kube-controller-manager +
# kube-scheduler, all on 127.0.0.1, and simulated nodes run by kwok (no
# container runtime: kwok marks the nodes Ready and the pods scheduled on them
# Running, and Job pods Succeeded). Admission, RBAC, ResourceQuota,
# LimitRanger, PodSecurity, scheduling (node selectors, taints, GPU capacity,
# priorities, preemption), volume binding and all controllers are real.
#
# The nodes come from the platform file (MLP_CP_PLATFORM), read by the
# project's own loader (devkit/simulated-cluster.ts, run from build/): for
# every GPU type, nodes with its nodeSelector labels, taints its tolerations
# match and capacity of its resourceName; plus CPU-only nodes; plus the
# platform's checkpoint StorageClasses with PersistentVolumes to bind to.
#
# Usage:
#   scripts/control-plane.sh start               start (fresh state each time)
#   scripts/control-plane.sh stop                stop everything it started
#   scripts/control-plane.sh status              show processes, ports, health
#   scripts/control-plane.sh env                 print `export KUBECONFIG=...`
#   scripts/control-plane.sh user NAME [GROUP...]
#         write $MLP_CP_DIR/users/NAME.kubeconfig (client cert CN=NAME, O=GROUP...)
#   scripts/control-plane.sh kill COMPONENT      SIGKILL it, as a crash would (state kept)
#   scripts/control-plane.sh restart COMPONENT   start a killed kube-apiserver again on
#         the same etcd data, ports and certificates; its previous log is
#         kept as logs/kube-apiserver.<n>.log
#
# Environment:
#   MLP_CP_DIR            state directory            (/tmp/mlp-control-plane)
#   MLP_CP_APISERVER_PORT kube-apiserver https port  (a free port)
#   MLP_CP_ETCD_PORT      etcd client port           (a free port)
#   MLP_CP_ETCD_PEER_PORT etcd peer port             (a free port)
#   MLP_CP_KCM_PORT       controller-manager https   (a free port)
#   MLP_CP_PORTS          FIRST-LAST: where free ports are picked
#                         (20000-32767; the end-to-end suite gives each
#                         jest worker its own part, devkit/ports.ts)
#   MLP_CP_TIMEOUT        seconds to wait for start  (180)
#   MLP_CP_SERVICE_CIDR   --service-cluster-ip-range (10.96.0.0/16)
#   MLP_CP_NODES          0: no scheduler, kwok or nodes, pods stay Pending
#                         (faster start)                                 (1)
#   MLP_CP_PLATFORM       platform file the nodes come from (platform.yaml
#                         at the repository root)
#   MLP_CP_SCHEDULER_PORT kube-scheduler https port  (a free port)
#   MLP_CP_POD_CIDR       pod IPs kwok hands out     (10.244.0.0/16)
#   MLP_SIM_GPU_NODES     nodes per GPU type         (2)
#   MLP_SIM_GPUS_PER_NODE GPUs per GPU node          (8)
#   MLP_SIM_CPU_NODES     nodes without GPUs         (2)
#   MLP_SIM_VOLUMES_PER_CLASS PersistentVolumes per StorageClass (8)
#   MLP_SIM_VOLUME_SIZE   capacity of each one       (1Ti)
#   MLP_CP_KWOK_STAGES    more kwok Stage files, ':'-separated, e.g. a test's
#                         own pod failures                               (none)
#   MLP_CP_KUEUE          1: also install Kueue's CRDs and run the Kueue
#                         manager with its webhooks (see below)          (0)
# The binaries come from scripts/build-tools.sh (via its --print-env).
#
# State in $MLP_CP_DIR: pki/ (CA, serving and client certs, service-account
# key), admin.kubeconfig, users/, etcd-data/, logs/<component>.log,
# run/<component>.pid, run/components, run/ports.env, simulated-cluster.json
# (the nodes and volumes created), kueue/ (its configuration, serving
# certificate and webhook configurations). `start` wipes the previous state.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIR="${MLP_CP_DIR:-/tmp/mlp-control-plane}"
PKI="$DIR/pki"
RUN="$DIR/run"
LOGS="$DIR/logs"
TIMEOUT="${MLP_CP_TIMEOUT:-180}"
SERVICE_CIDR="${MLP_CP_SERVICE_CIDR:-10.96.0.0/16}"
COMPONENTS=(etcd kube-apiserver kube-controller-manager) # start order
SIM_COMPONENTS=(kube-scheduler kwok)                     # started after them, unless MLP_CP_NODES=0
KUEUE_COMPONENTS=(kueue)                                 # started last, with MLP_CP_KUEUE=1
ADMIN_KUBECONFIG="$DIR/admin.kubeconfig"

log() { printf '[control-plane] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---- tools -----------------------------------------------------------------

load_tools() {
  local envlines
  envlines=$("$HERE/build-tools.sh" --print-env etcd kube-apiserver kube-controller-manager kubectl) ||
    die "the control-plane binaries are not built; run scripts/build-tools.sh"
  eval "$envlines"
  local b
  for b in etcd kube-apiserver kube-controller-manager kubectl; do
    # The machine's /usr/bin/kubectl is a cloud-SDK dispatcher: insist on ours.
    [[ "$(command -v "$b")" == "$MLP_TOOLS_CACHE"/* ]] || die "$b does not resolve to the built one"
  done
}

# ---- the simulated nodes: kube-scheduler, kwok, Nodes, storage ----------------

REPO="$(cd "$HERE/.." && pwd)"
PLATFORM="${MLP_CP_PLATFORM:-$REPO/platform.yaml}"
POD_CIDR="${MLP_CP_POD_CIDR:-10.244.0.0/16}"
SIM_OBJECTS="$DIR/simulated-cluster.json"
# The program that turns the platform file into Nodes and volumes (compiled
# from devkit/simulated-cluster.ts by `npm run build`).
SIM_PROGRAM="$REPO/build/devkit/simulated-cluster.js"

sim_enabled() { [[ "${MLP_CP_NODES:-1}" != 0 ]]; }

# select_components COMMAND: `start` decides from MLP_CP_NODES which
# components run; the other commands read what it recorded in run/components.
select_components() {
  if [[ $1 == start ]]; then
    if sim_enabled; then COMPONENTS+=("${SIM_COMPONENTS[@]}"); fi
    if kueue_enabled; then COMPONENTS+=("${KUEUE_COMPONENTS[@]}"); fi
  elif [[ -f "$RUN/components" ]]; then
    read -r -a COMPONENTS <"$RUN/components"
  fi
}

load_sim_tools() {
  local envlines b
  envlines=$("$HERE/build-tools.sh" --print-env kube-scheduler kwok) ||
    die "kube-scheduler and kwok are not built; run scripts/build-tools.sh kube-scheduler kwok (or start with MLP_CP_NODES=0)"
  eval "$envlines"
  for b in kube-scheduler kwok; do
    [[ "$(command -v "$b")" == "$MLP_TOOLS_CACHE"/* ]] || die "$b does not resolve to the built one"
  done
  compgen -G "$MLP_KWOK_STAGES_DIR/*.yaml" >/dev/null || die "no kwok stages in $MLP_KWOK_STAGES_DIR; run scripts/build-tools.sh kwok"
  command -v node >/dev/null || die "node not found on PATH: the simulated nodes are made by $SIM_PROGRAM"
  [[ -f "$SIM_PROGRAM" ]] || die "$SIM_PROGRAM is missing: run \`npm run build\` first (or start with MLP_CP_NODES=0)"
  [[ -f "$PLATFORM" ]] || die "MLP_CP_PLATFORM=$PLATFORM: no such file; give the platform file the simulated nodes come from"
}

pick_sim_ports() {
  pick_port SCHEDULER_PORT "${MLP_CP_SCHEDULER_PORT:-}"
  port_in_use "$SCHEDULER_PORT" && die "port $SCHEDULER_PORT is already in use"
  echo "SCHEDULER_PORT=$SCHEDULER_PORT" >>"$RUN/ports.env"
}

# The scheduler's identity is the one the built-in RBAC roles name; kwok acts
# as the kubelet of every simulated node, so it is an administrator.
gen_sim_pki() {
  sign kube-scheduler "/CN=system:kube-scheduler" "$(client_ext)"
  sign kwok "/O=system:masters/CN=kwok-controller" "$(client_ext)"
  write_kubeconfig "$DIR/kube-scheduler.kubeconfig" system:kube-scheduler kube-scheduler
  write_kubeconfig "$DIR/kwok.kubeconfig" kwok-controller kwok
}

# sim_nodes_ready: every simulated node is Ready and carries no
# node.kubernetes.io/ taint (the node lifecycle controller's not-ready and
# unreachable taints, which keep pods off a node).
sim_nodes_ready() {
  local want have
  want=$(grep -c '"kind": "Node"' "$SIM_OBJECTS")
  have=$(kubectl --kubeconfig="$ADMIN_KUBECONFIG" get nodes -l mlp.io/simulated=true \
    -o jsonpath='{range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status} {.spec.taints[*].key}{"\n"}{end}') || return 1
  awk -v want="$want" '$2 != "True" || /node\.kubernetes\.io\// { bad = 1 } END { exit !(NR == want && !bad) }' <<<"$have"
}

start_simulation() {
  launch kube-scheduler \
    --kubeconfig="$DIR/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig="$DIR/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig="$DIR/kube-scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --cert-dir="$DIR/scheduler-serving" \
    --leader-elect=false --profiling=false
  wait_for "kube-scheduler /healthz" kube-scheduler \
    curl -fsSk --max-time 2 "https://127.0.0.1:$SCHEDULER_PORT/healthz"

  # No --server-address: kwok then listens on no port. Node leases (40 s) are
  # kwok's heartbeat, as with a kubelet; the stages say how nodes and pods move.
  # kwok's own stages (node and pod life cycle), then the project's
  # (scripts/kwok-stages/: a kubelet's terminal phase for deleted pods, an
  # ingress controller's load-balancer address), then MLP_CP_KWOK_STAGES.
  local stages=() f extra
  for f in "$MLP_KWOK_STAGES_DIR"/*.yaml "$HERE"/kwok-stages/*.yaml; do stages+=("--config=$f"); done
  IFS=: read -r -a extra <<<"${MLP_CP_KWOK_STAGES:-}"
  for f in "${extra[@]}"; do
    [[ -f "$f" ]] || { log "MLP_CP_KWOK_STAGES: $f: no such file; give kwok Stage files separated by ':'"; fail_start; }
    stages+=("--config=$f")
  done
  launch kwok --kubeconfig="$DIR/kwok.kubeconfig" "${stages[@]}" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --cidr="$POD_CIDR" --node-lease-duration-seconds=40

  node "$SIM_PROGRAM" "$PLATFORM" "$DIR/volumes" >"$SIM_OBJECTS" 2>"$LOGS/simulated-cluster.log" || {
    cat "$LOGS/simulated-cluster.log" >&2
    log "cannot make the simulated nodes from $PLATFORM (above)"
    fail_start
  }
  kubectl --kubeconfig="$ADMIN_KUBECONFIG" create -f "$SIM_OBJECTS" >>"$LOGS/simulated-cluster.log" 2>&1 || {
    tail -n 20 "$LOGS/simulated-cluster.log" >&2
    log "cannot create the simulated nodes and volumes"
    fail_start
  }
  wait_for "$(grep -c '"kind": "Node"' "$SIM_OBJECTS") simulated nodes Ready" kwok sim_nodes_ready
}

# ---- Kueue (MLP_CP_KUEUE=1) ---------------------------------------------------
#
# The manager runs on loopback as the cluster's administrator, with its own
# configuration (no leader election, no internal certificate management,
# waitForPodsReady on, the batch/job integration only) and a serving
# certificate for 127.0.0.1 signed by the cluster's CA; the API server calls
# its webhooks at https://127.0.0.1:<port>. Kueue v0.19.2 reads the metrics
# server's certificate from a fixed path, /etc/kueue/metrics/certs, when it
# does not manage certificates itself (cmd/kueue/main.go), and managing them
# itself needs an in-cluster Service and conversion webhooks on the CRDs; so
# it runs in a private mount namespace (unshare) in which a read-only overlay
# adds $DIR/kueue/etc/kueue/metrics/certs to /etc. Nothing outside $DIR is
# written.

KUEUE_DIR="$DIR/kueue"
KUEUE_PROGRAM="$REPO/build/devkit/kueue.js"

kueue_enabled() { [[ "${MLP_CP_KUEUE:-0}" == 1 ]]; }

# unshare_args: a private mount namespace, in a user namespace unless root.
unshare_args() {
  UNSHARE=(unshare --mount --propagation private)
  ((EUID == 0)) || UNSHARE+=(--map-root-user)
}

load_kueue_tools() {
  local envlines
  envlines=$("$HERE/build-tools.sh" --print-env kueue kueue-crds) ||
    die "kueue is not built; run scripts/build-tools.sh kueue kueue-crds (or start without MLP_CP_KUEUE=1)"
  eval "$envlines"
  [[ "$(command -v kueue)" == "$MLP_TOOLS_CACHE"/* ]] || die "kueue does not resolve to the built one"
  [[ -f "$MLP_KUEUE_WEBHOOKS" ]] || die "no Kueue webhook manifests at $MLP_KUEUE_WEBHOOKS; run scripts/build-tools.sh kueue"
  compgen -G "$MLP_KUEUE_CRDS_DIR/*.yaml" >/dev/null || die "no Kueue CRDs in $MLP_KUEUE_CRDS_DIR; run scripts/build-tools.sh kueue-crds"
  compgen -G "$MLP_KUEUE_RBAC_DIR/*.yaml" >/dev/null || die "no Kueue user roles in $MLP_KUEUE_RBAC_DIR; rebuild kueue-crds (remove its folder in $MLP_TOOLS_CACHE, run scripts/build-tools.sh kueue-crds)"
  command -v node >/dev/null || die "node not found on PATH: Kueue's webhook configurations are made by $KUEUE_PROGRAM"
  [[ -f "$KUEUE_PROGRAM" ]] || die "$KUEUE_PROGRAM is missing: run \`npm run build\` first (or start without MLP_CP_KUEUE=1)"
  # The overlay's lowerdir option separates layers with ':' and options with ','.
  [[ "$KUEUE_DIR" != *[:,]* ]] || die "MLP_CP_DIR=$DIR: Kueue needs a state directory without ':' or ','"
  unshare_args
  "${UNSHARE[@]}" -- true 2>/dev/null ||
    die "'${UNSHARE[*]}' failed: Kueue runs in a private mount namespace (see the Kueue section of $0)"
}

pick_kueue_ports() {
  pick_port KUEUE_WEBHOOK_PORT
  pick_port KUEUE_METRICS_PORT
  pick_port KUEUE_HEALTH_PORT
  cat >>"$RUN/ports.env" <<EOF
KUEUE_WEBHOOK_PORT=$KUEUE_WEBHOOK_PORT
KUEUE_METRICS_PORT=$KUEUE_METRICS_PORT
KUEUE_HEALTH_PORT=$KUEUE_HEALTH_PORT
EOF
}

# write_kueue_files: the serving certificate (webhooks and metrics) and the configuration.
write_kueue_files() {
  mkdir -p "$KUEUE_DIR/serving-certs" "$KUEUE_DIR/etc/kueue/metrics/certs"
  sign kueue-serving "/CN=kueue" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"
  local d
  for d in "$KUEUE_DIR/serving-certs" "$KUEUE_DIR/etc/kueue/metrics/certs"; do
    cp "$PKI/kueue-serving.crt" "$d/tls.crt"
    cp "$PKI/kueue-serving.key" "$d/tls.key"
  done
  # The Configuration of apis/config/v1beta2 in the module. waitForPodsReady
  # with blockAdmission: a workload's pods all become Ready before the next
  # workload is admitted, and one whose pods do not within the timeout is
  # evicted and requeued. VisibilityOnDemand off: without internal
  # certificate management its API server reads its certificate from
  # /visibility, and nothing here uses it.
  cat >"$KUEUE_DIR/config.yaml" <<EOF
apiVersion: config.kueue.x-k8s.io/v1beta2
kind: Configuration
namespace: kueue-system
health:
  healthProbeBindAddress: 127.0.0.1:$KUEUE_HEALTH_PORT
metrics:
  bindAddress: 127.0.0.1:$KUEUE_METRICS_PORT
webhook:
  host: 127.0.0.1
  port: $KUEUE_WEBHOOK_PORT
  certDir: $KUEUE_DIR/serving-certs
leaderElection:
  leaderElect: false
internalCertManagement:
  enable: false
manageJobsWithoutQueueName: false
waitForPodsReady:
  timeout: 5m
  blockAdmission: true
integrations:
  frameworks:
  - batch/job
featureGates:
  VisibilityOnDemand: false
EOF
}

# kueue_webhook_answers: a server-side dry run of a Job with a queue name
# comes back suspended, i.e. the API server called Kueue's Job webhook.
kueue_webhook_answers() {
  kubectl --kubeconfig="$ADMIN_KUBECONFIG" create --dry-run=server -o jsonpath='{.spec.suspend}' -f - <<'EOF' | grep -qx true
{"apiVersion": "batch/v1", "kind": "Job",
 "metadata": {"name": "kueue-webhook-probe", "namespace": "default", "labels": {"kueue.x-k8s.io/queue-name": "probe"}},
 "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "probe", "image": "probe"}]}}}}
EOF
}

# kueue_crds_established: every CRD of $MLP_KUEUE_CRDS_DIR has Established=True.
# Not `kubectl wait --for=condition=Established`: on a CRD whose status has no
# conditions yet (just created, a loaded machine) it fails at once with
# ".status.conditions accessor error: <nil> is of the type <nil>" instead of
# waiting (seen in the end-to-end suite with two files at a time).
kueue_crds_established() {
  local want have
  want=$(cat "$MLP_KUEUE_CRDS_DIR"/*.yaml | grep -c '^kind: CustomResourceDefinition')
  have=$(kubectl --kubeconfig="$ADMIN_KUBECONFIG" get -f "$MLP_KUEUE_CRDS_DIR" \
    -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Established")].status}{"\n"}{end}') || return 1
  [[ $(grep -cx True <<<"$have") == "$want" ]]
}

start_kueue() {
  kubectl --kubeconfig="$ADMIN_KUBECONFIG" apply --server-side -f "$MLP_KUEUE_CRDS_DIR" >>"$LOGS/kueue-setup.log" 2>&1 || {
    tail -n 20 "$LOGS/kueue-setup.log" >&2
    log "cannot install the Kueue CRDs from $MLP_KUEUE_CRDS_DIR"
    fail_start
  }
  wait_for "the Kueue CRDs Established" kube-apiserver kueue_crds_established
  # Kueue's user roles (read Workloads and LocalQueues), named as its installation names them.
  local role
  for role in "$MLP_KUEUE_RBAC_DIR"/*.yaml; do echo ---; sed 's/^  name: /  name: kueue-/' "$role"; done |
    kubectl --kubeconfig="$ADMIN_KUBECONFIG" apply --server-side -f - >>"$LOGS/kueue-setup.log" 2>&1 || {
    tail -n 20 "$LOGS/kueue-setup.log" >&2
    log "cannot install Kueue's user roles from $MLP_KUEUE_RBAC_DIR"
    fail_start
  }
  write_kueue_files
  unshare_args
  # setsid and unshare (without --fork) exec, and sh execs kueue: the pid is
  # kueue's, as for the other components (launch).
  # shellcheck disable=SC2016 # expanded by that sh
  setsid "${UNSHARE[@]}" -- \
    /bin/sh -c 'mount -t overlay overlay -o "lowerdir=$1:/etc" /etc && shift && exec "$@"' sh "$KUEUE_DIR/etc" \
    "$(command -v kueue)" --config="$KUEUE_DIR/config.yaml" --kubeconfig="$ADMIN_KUBECONFIG" \
    </dev/null >"$LOGS/kueue.log" 2>&1 &
  echo "$!" >"$RUN/kueue.pid"
  wait_for "kueue /readyz" kueue curl -fsS --max-time 2 "http://127.0.0.1:$KUEUE_HEALTH_PORT/readyz"
  { node "$KUEUE_PROGRAM" webhooks "$MLP_KUEUE_WEBHOOKS" "$KUEUE_WEBHOOK_PORT" "$PKI/ca.crt" >"$KUEUE_DIR/webhooks.json" &&
    kubectl --kubeconfig="$ADMIN_KUBECONFIG" create -f "$KUEUE_DIR/webhooks.json"; } >>"$LOGS/kueue-setup.log" 2>&1 || {
    tail -n 20 "$LOGS/kueue-setup.log" >&2
    log "cannot install Kueue's webhook configurations"
    fail_start
  }
  wait_for "Kueue's Job webhook answering the API server" kueue kueue_webhook_answers
}

# ---- processes -------------------------------------------------------------

pid_of() { cat "$RUN/$1.pid" 2>/dev/null || true; }

# is_ours PID NAME: the pid is alive and is NAME started for this $DIR (guards
# against a recycled pid after a reboot or a crash).
is_ours() {
  local pid=$1 name=$2 cmd
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ "$cmd" == *"/$name "* && "$cmd" == *"$DIR"* ]]
}

running() { is_ours "$(pid_of "$1")" "$1"; }

# launch NAME ARGS...: run in its own session/process group, detached from
# this shell, output to logs/NAME.log. setsid makes pid == process group id.
launch() {
  local name=$1 pid i
  shift
  setsid "$(command -v "$name")" "$@" </dev/null >"$LOGS/$name.log" 2>&1 &
  pid=$!
  echo "$pid" >"$RUN/$name.pid"
  # Until the fork execs setsid, its cmdline is this script's, and `running`
  # (hence wait_for) would take the component for one that exited; under
  # load that window is milliseconds long. Wait for the exec (or the exit).
  for ((i = 0; i < 250; i++)); do
    is_ours "$pid" "$name" || [[ ! -e "/proc/$pid" ]] && return 0
    sleep 0.02
  done
}

port_in_use() { [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]; }

# The ports components are given when none is set: by default 20000-32767,
# below Linux's ephemeral range, so that outgoing connections do not take one
# meanwhile. Control planes started at the same time in different ranges
# cannot pick the same port before either binds it.
# port_range: PORT_BASE and PORT_COUNT from MLP_CP_PORTS (read by `start` only).
port_range() {
  local range="${MLP_CP_PORTS:-20000-32767}"
  [[ $range =~ ^([1-9][0-9]{3,4})-([1-9][0-9]{3,4})$ ]] && ((BASH_REMATCH[1] >= 1024 && BASH_REMATCH[1] <= BASH_REMATCH[2] && BASH_REMATCH[2] <= 65535)) ||
    die "MLP_CP_PORTS=$range: give a range FIRST-LAST of TCP ports within 1024-65535, e.g. 20000-32767"
  PORT_BASE=${BASH_REMATCH[1]}
  PORT_COUNT=$((BASH_REMATCH[2] - BASH_REMATCH[1] + 1))
}

picked() { [[ " ${PICKED[*]:-} " == *" $1 "* ]]; }

# pick_port VAR [PORT]: set VAR to PORT when one is given, otherwise to a TCP
# port on 127.0.0.1 that nothing listens on and that this start has not given
# another component. It runs in this shell, never in $(...): a command
# substitution's subshell forgets what it adds to PICKED, and two components
# then get the same port in 0.25% of starts with nine ports (measured: 5 of
# 2,000), after which one of them fails to bind and exits.
pick_port() {
  local var=$1 p=${2:-} i
  if [[ -n $p ]]; then
    picked "$p" && die "$var=$p: that port is already given to another component; set the MLP_CP_*_PORT variables to different ports"
  else
    for ((i = 0; i < 200; i++)); do
      p=$((PORT_BASE + RANDOM % PORT_COUNT))
      if ! picked "$p" && ! port_in_use "$p"; then break; fi
      p=
    done
    [[ -n $p ]] || die "no free port found for $var in $PORT_BASE-$((PORT_BASE + PORT_COUNT - 1))"
  fi
  PICKED+=("$p")
  printf -v "$var" '%s' "$p"
}

# log_tails [FIRST]: the end of each component's log; FIRST's (the component
# that exited) first and longer, so that what stopped the start is at the top
# of the output (a test's error message is often cut after its first lines).
log_tails() {
  local first=${1:-} c
  if [[ -n $first && -f "$LOGS/$first.log" ]]; then
    log "---- last lines of $LOGS/$first.log (it exited) ----"
    tail -n 60 "$LOGS/$first.log" >&2
  fi
  for c in "${COMPONENTS[@]}"; do
    [[ $c != "$first" && -f "$LOGS/$c.log" ]] || continue
    log "---- last lines of $LOGS/$c.log ----"
    tail -n 25 "$LOGS/$c.log" >&2
  done
}

# wait_for DESCRIPTION COMPONENT COMMAND...: poll COMMAND until it succeeds;
# fail (with log tails) on timeout or if COMPONENT's process died.
wait_for() {
  local what=$1 comp=$2
  shift 2
  while ! "$@" >/dev/null 2>&1; do
    if ! running "$comp"; then
      log "$comp exited while waiting for $what; the end of its log comes first below"
      fail_start "$comp"
    fi
    if ((SECONDS >= DEADLINE)); then
      log "timed out after ${TIMEOUT}s waiting for $what"
      fail_start
    fi
    sleep 0.5
  done
  log "$what: ok ($((SECONDS - STARTED))s)"
}

# fail_start [EXITED]: print the logs' ends (EXITED's first), stop everything, exit 1.
fail_start() {
  log_tails "${1:-}"
  stop_all >/dev/null 2>&1 || true
  die "start failed; logs are in $LOGS"
}

# ---- certificates ----------------------------------------------------------

# sign NAME SUBJECT EXT: EC P-256 key + certificate signed by our CA.
sign() {
  local name=$1 subj=$2 ext=$3
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/$name.key" 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
    -CAcreateserial -days 30 -sha256 -extfile <(printf '%s\n' "$ext") \
    -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr"
  chmod 600 "$PKI/$name.key"
}

client_ext() { printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth'; }

gen_pki() {
  mkdir -p "$PKI"
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=mlp-control-plane-ca" -days 30 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI/ca.crt" 2>/dev/null
  chmod 600 "$PKI/ca.key"

  # First address of the service range: the in-cluster "kubernetes" service.
  [[ "$SERVICE_CIDR" =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}/[0-9]{1,2}$ ]] ||
    die "MLP_CP_SERVICE_CIDR must be an IPv4 CIDR like 10.96.0.0/16 (got '$SERVICE_CIDR')"
  local base=${SERVICE_CIDR%/*} svc_ip
  svc_ip="${base%.*}.$((${base##*.} + 1))"
  sign apiserver "/CN=kube-apiserver" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:$svc_ip,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  sign admin "/O=system:masters/CN=admin" "$(client_ext)"
  sign kube-controller-manager "/CN=system:kube-controller-manager" "$(client_ext)"

  # Front-proxy (aggregation layer) CA and the apiserver's client cert for it.
  # Nothing is aggregated, but without them every delegating component
  # (controller-manager) logs "missing content for CA bundle" errors.
  cp "$PKI/ca.crt" "$PKI/front-proxy-ca.crt"
  sign front-proxy-client "/CN=front-proxy-client" "$(client_ext)"

  # Service-account token signing key pair (RS256).
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  chmod 600 "$PKI/sa.key"
}

# write_kubeconfig FILE USER CERT_NAME
write_kubeconfig() {
  local file=$1 user=$2 cert=$3
  mkdir -p "$(dirname "$file")"
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: mlp-local
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 <"$PKI/$cert.crt")
    client-key-data: $(base64 -w0 <"$PKI/$cert.key")
contexts:
- name: mlp-local
  context:
    cluster: mlp-local
    user: $user
current-context: mlp-local
EOF
  chmod 600 "$file"
}

# ---- start / stop ----------------------------------------------------------

load_ports() {
  [[ -f "$RUN/ports.env" ]] || return 1
  # shellcheck disable=SC1091
  source "$RUN/ports.env"
}

pick_ports() {
  port_range
  PICKED=()
  pick_port ETCD_PORT "${MLP_CP_ETCD_PORT:-}"
  pick_port ETCD_PEER_PORT "${MLP_CP_ETCD_PEER_PORT:-}"
  pick_port APISERVER_PORT "${MLP_CP_APISERVER_PORT:-}"
  pick_port KCM_PORT "${MLP_CP_KCM_PORT:-}"
  local p
  for p in "$ETCD_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" "$KCM_PORT"; do
    port_in_use "$p" && die "port $p is already in use"
  done
  cat >"$RUN/ports.env" <<EOF
ETCD_PORT=$ETCD_PORT
ETCD_PEER_PORT=$ETCD_PEER_PORT
APISERVER_PORT=$APISERVER_PORT
KCM_PORT=$KCM_PORT
EOF
}

apiserver_curl() {
  curl -fsS --max-time 5 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://127.0.0.1:$APISERVER_PORT$1"
}

# launch_kube_apiserver: start kube-apiserver on the ports, certificates and
# etcd of $DIR and wait until it is ready (by `start` and `restart`).
launch_kube_apiserver() {
  # --advertise-address=127.0.0.1 keeps the apiserver from advertising a host
  # interface; Endpoints may not hold loopback addresses, so the "kubernetes"
  # service endpoint reconciler is off (nothing runs in the cluster anyway).
  # --allow-privileged=true so that PodSecurity, not this flag, is what
  # rejects privileged pods in restricted namespaces.
  launch kube-apiserver \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
    --advertise-address=127.0.0.1 --endpoint-reconciler-type=none \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key" \
    --authorization-mode=Node,RBAC \
    --enable-admission-plugins=ResourceQuota,LimitRanger,PodSecurity \
    --allow-privileged=true \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" \
    --service-account-signing-key-file="$PKI/sa.key" \
    --profiling=false
  wait_for "kube-apiserver /readyz" kube-apiserver apiserver_curl /readyz
}

cmd_start() {
  local c any=0 all=1
  for c in "${COMPONENTS[@]}"; do
    if running "$c"; then any=1; else all=0; fi
  done
  if ((all)); then
    log "already running (state in $DIR)"
    cmd_env
    return 0
  fi
  if ((any)); then
    log "partly running (a component died?); stopping the rest first"
    stop_all
  fi
  load_tools
  if sim_enabled; then load_sim_tools; fi
  if kueue_enabled; then load_kueue_tools; fi

  # Fresh state every start (the cluster is for tests). Remove only what this
  # script creates, in case MLP_CP_DIR points somewhere unexpected.
  rm -rf "$PKI" "$RUN" "$LOGS" "$DIR/etcd-data" "$DIR/users" "$DIR/kcm-serving" "$ADMIN_KUBECONFIG" "$DIR/kube-controller-manager.kubeconfig" \
    "$DIR/scheduler-serving" "$DIR/kube-scheduler.kubeconfig" "$DIR/kwok.kubeconfig" "$SIM_OBJECTS" "$KUEUE_DIR"
  mkdir -p "$DIR" "$RUN" "$LOGS"
  chmod 700 "$DIR"
  echo "${COMPONENTS[*]}" >"$RUN/components"
  pick_ports
  if sim_enabled; then pick_sim_ports; fi
  if kueue_enabled; then pick_kueue_ports; fi
  gen_pki
  if sim_enabled; then gen_sim_pki; fi
  write_kubeconfig "$ADMIN_KUBECONFIG" admin admin
  write_kubeconfig "$DIR/kube-controller-manager.kubeconfig" system:kube-controller-manager kube-controller-manager

  STARTED=$SECONDS
  DEADLINE=$((SECONDS + TIMEOUT))
  log "starting in $DIR (apiserver https://127.0.0.1:$APISERVER_PORT)"

  # etcd: plain http on loopback only. --unsafe-no-fsync: test data only,
  # and much faster on slow disks.
  launch etcd \
    --name=mlp --data-dir="$DIR/etcd-data" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="mlp=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state=new \
    --unsafe-no-fsync --log-level=warn
  wait_for "etcd health" etcd curl -fsS --max-time 2 "http://127.0.0.1:$ETCD_PORT/health"

  launch_kube_apiserver

  launch kube-controller-manager \
    --kubeconfig="$DIR/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig="$DIR/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig="$DIR/kube-controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --cert-dir="$DIR/kcm-serving" \
    --controllers='*' --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --leader-elect=true --profiling=false
  wait_for "kube-controller-manager /healthz" kube-controller-manager \
    curl -fsSk --max-time 2 "https://127.0.0.1:$KCM_PORT/healthz"

  # The namespace and service-account controllers have done their first pass.
  wait_for "namespace default" kube-apiserver kubectl --kubeconfig="$ADMIN_KUBECONFIG" get namespace default
  wait_for "serviceaccount default/default" kube-controller-manager \
    kubectl --kubeconfig="$ADMIN_KUBECONFIG" -n default get serviceaccount default
  if sim_enabled; then start_simulation; fi
  if kueue_enabled; then start_kueue; fi

  log "ready in $((SECONDS - STARTED))s"
  cmd_env
}

# stop_all: TERM each component's process group (reverse order), wait, KILL
# what is left, then verify nothing remains and no port is still bound.
stop_all() {
  local c pid i left=0 idx pids=()
  for ((idx = ${#COMPONENTS[@]} - 1; idx >= 0; idx--)); do
    c=${COMPONENTS[$idx]}
    pid=$(pid_of "$c")
    if is_ours "$pid" "$c"; then
      kill -TERM -- "-$pid" 2>/dev/null || true
      for ((i = 0; i < 100; i++)); do
        is_ours "$pid" "$c" || break
        sleep 0.1
      done
      if is_ours "$pid" "$c"; then
        log "$c (pid $pid) ignored SIGTERM for 10s; killing"
        kill -KILL -- "-$pid" 2>/dev/null || true
        sleep 0.5
      fi
    fi
    # Anything left in its process group (it is its own group leader).
    if [[ -n "$pid" ]] && pgrep -g "$pid" >/dev/null 2>&1 && is_ours "$pid" "$c"; then
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    [[ -n "$pid" ]] && pids+=("$pid")
    rm -f "$RUN/$c.pid"
  done
  # Our children are re-parented to init once this script's starter exits;
  # give init a moment to reap them so that no <defunct> entry lingers.
  for pid in "${pids[@]}"; do
    for ((i = 0; i < 30; i++)); do [[ -e "/proc/$pid" ]] || break; sleep 0.1; done
  done
  # Verify.
  for c in "${COMPONENTS[@]}"; do
    if pgrep -f -- "/$c .*$DIR" >/dev/null 2>&1; then
      log "still running: $(pgrep -af -- "/$c .*$DIR")"
      left=1
    fi
  done
  if load_ports; then
    for c in "$ETCD_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" "$KCM_PORT" ${SCHEDULER_PORT:+"$SCHEDULER_PORT"} \
      ${KUEUE_WEBHOOK_PORT:+"$KUEUE_WEBHOOK_PORT" "$KUEUE_METRICS_PORT" "$KUEUE_HEALTH_PORT"}; do
      for ((i = 0; i < 50; i++)); do port_in_use "$c" || break; sleep 0.1; done
      if port_in_use "$c"; then
        log "port $c is still bound: $(ss -Hltnp "sport = :$c")"
        left=1
      fi
    done
  fi
  return $left
}

cmd_stop() {
  if [[ ! -d "$RUN" ]]; then
    log "not running (no state in $DIR)"
    return 0
  fi
  stop_all || die "could not stop everything (see above)"
  log "stopped (logs kept in $LOGS)"
}

cmd_status() {
  local c pid rc=0
  for c in "${COMPONENTS[@]}"; do
    pid=$(pid_of "$c")
    if running "$c"; then
      printf '%-24s running (pid %s)\n' "$c" "$pid"
    else
      printf '%-24s stopped\n' "$c"
      rc=3
    fi
  done
  if ((rc == 0)) && load_ports; then
    printf '%-24s %s\n' "ports" "apiserver=$APISERVER_PORT etcd=$ETCD_PORT etcd-peer=$ETCD_PEER_PORT kcm=$KCM_PORT${SCHEDULER_PORT:+ scheduler=$SCHEDULER_PORT}${KUEUE_WEBHOOK_PORT:+ kueue-webhook=$KUEUE_WEBHOOK_PORT kueue-health=$KUEUE_HEALTH_PORT}"
    printf '%-24s %s\n' "apiserver /readyz" "$(apiserver_curl /readyz 2>&1 || true)"
    printf '%-24s %s\n' "kubeconfig" "$ADMIN_KUBECONFIG"
    if [[ " ${COMPONENTS[*]} " == *" kwok "* ]]; then sim_status; fi
  fi
  return $rc
}

# sim_status: the simulated nodes, one line each (name, Ready, GPU type, GPUs).
sim_status() {
  printf '%-24s\n' "simulated nodes"
  kubectl --kubeconfig="$ADMIN_KUBECONFIG" get nodes -l mlp.io/simulated=true --no-headers \
    -o custom-columns='NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status,GPU-TYPE:.metadata.labels.mlp\.io/gpu-type' 2>&1 |
    sed 's/^/  /'
}

cmd_env() {
  running kube-apiserver || log "warning: the control plane is not running"
  printf 'export KUBECONFIG=%q\n' "$ADMIN_KUBECONFIG"
}

cmd_user() {
  local name=${1:-}
  [[ -n "$name" ]] || die "usage: $0 user NAME [GROUP...]"
  shift
  [[ "$name" =~ ^[A-Za-z0-9:._@-]+$ ]] || die "user name '$name': use letters, digits and :._@- only"
  if ! running kube-apiserver || ! load_ports; then die "the control plane is not running"; fi
  local subj="" g
  for g in "$@"; do
    [[ "$g" =~ ^[A-Za-z0-9:._@-]+$ ]] || die "group '$g': use letters, digits and :._@- only"
    subj+="/O=$g"
  done
  mkdir -p "$DIR/users"
  sign "user-$name" "$subj/CN=$name" "$(client_ext)"
  write_kubeconfig "$DIR/users/$name.kubeconfig" "$name" "user-$name"
  echo "$DIR/users/$name.kubeconfig"
}

# ---- crashes (kill, restart) ----------------------------------------------

cmd_kill() {
  local name=${1:-} pid
  [[ " ${COMPONENTS[*]} " == *" $name "* ]] || die "usage: $0 kill COMPONENT (one of: ${COMPONENTS[*]})"
  pid=$(pid_of "$name")
  is_ours "$pid" "$name" || die "$name is not running (state in $DIR)"
  kill -KILL -- "-$pid"
  local i
  for ((i = 0; i < 100; i++)); do is_ours "$pid" "$name" || break; sleep 0.1; done
  is_ours "$pid" "$name" && die "$name (pid $pid) is still running after SIGKILL"
  log "killed $name (pid $pid)"
}

cmd_restart() {
  local name=${1:-} n=1
  [[ "$name" == kube-apiserver ]] || die "usage: $0 restart kube-apiserver (only it can be restarted)"
  running "$name" && die "$name is running; kill it first"
  running etcd || die "etcd is not running; the restarted $name would have no data"
  load_ports || die "no ports recorded in $RUN/ports.env; start the control plane first"
  load_tools
  while [[ -e "$LOGS/$name.$n.log" ]]; do n=$((n + 1)); done
  [[ -f "$LOGS/$name.log" ]] && mv "$LOGS/$name.log" "$LOGS/$name.$n.log"
  STARTED=$SECONDS
  DEADLINE=$((SECONDS + TIMEOUT))
  launch_kube_apiserver
  log "restarted $name on the etcd data in $DIR/etcd-data"
}

main() {
  local cmd=${1:-}
  shift || true
  select_components "$cmd"
  case "$cmd" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    user) cmd_user "$@" ;;
    kill) cmd_kill "$@" ;;
    restart) cmd_restart "$@" ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
  esac
}

# Run unless sourced (test/scripts/control-plane.test.ts sources it to call its functions).
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
