#!/usr/bin/env bash
# Funnel's container driver for hosts without Docker (Funnel config
# Worker.Container.DriverCommand; the Run/Pull/Stop templates in funnel.yml call it):
#
#   funnel-driver.sh run NAME --workdir DIR [--volume HOST CONTAINER ro|rw]... [--env K=V]... -- IMAGE CMD...
#   funnel-driver.sh stop NAME        ends the executor's whole process group (and its PID namespace)
#   funnel-driver.sh pull IMAGE       nothing to pull: the image is ignored
#   funnel-driver.sh version ...      what Funnel asks Docker for its API version
#
# `run` starts the command on this host, as Docker would start it in a container: in a
# session of its own, in private mount and PID namespaces, chrooted into a fresh tmpfs
# root that holds the host's top-level directories read-only, a private /tmp, /dev, a new
# /proc, and each volume bind-mounted at its container path; with a clean environment
# (PATH, HOME and the executor's env). The image is ignored. Needs root, or root in a user
# namespace (test/peers/funnel.ts makes one for other users).
#
# PN_FUNNEL_DRIVER_STATE (set by test/peers/funnel.ts) is a directory of this Funnel
# instance: NAME.pid files of running executors (so `stop` and the helper's stop find
# them) and `root/`, the empty directory each run mounts its private root over.
set -euo pipefail

state=${PN_FUNNEL_DRIVER_STATE:?PN_FUNNEL_DRIVER_STATE must name the driver state directory}
fail() {
  echo "funnel-driver: $*" >&2
  exit 125
}
# Names come from Funnel ("<task id>-<executor index>"); keep them to file-name characters.
checked_name() {
  [[ $1 =~ ^[A-Za-z0-9._-]+$ ]] || fail "bad executor name '$1'"
  echo "$1"
}

run() {
  local name
  name=$(checked_name "${1:-}")
  shift
  local pidfile=$state/$name.pid
  # A session (and so a process group) of its own, which `stop` ends whole.
  # (An explicit <&0: a background command would otherwise read /dev/null, not the executor's stdin.)
  setsid unshare --mount --pid --fork --kill-child --propagation private "$0" __enter "$@" <&0 &
  local child=$!
  echo "$child" >"$pidfile"
  local code=0
  wait "$child" || code=$?
  rm -f "$pidfile"
  exit "$code"
}

# Inside the new namespaces (PID 1 of its PID namespace): build the root, then exec.
enter() {
  local workdir=/ volumes=() envs=()
  while [ $# -gt 0 ]; do
    case $1 in
      --workdir) workdir=${2:-/}; shift 2 ;;
      --volume) [ $# -ge 4 ] || fail "--volume needs HOST CONTAINER MODE"; volumes+=("$2" "$3" "$4"); shift 4 ;;
      --env) [ $# -ge 2 ] || fail "--env needs K=V"; envs+=("$2"); shift 2 ;;
      --) shift; break ;;
      *) fail "unknown argument '$1'" ;;
    esac
  done
  [ $# -ge 2 ] || fail "run needs an image and a command"
  shift # the image: ignored
  [ -n "$workdir" ] || workdir=/

  local root=$state/root
  mount -t tmpfs -o mode=0755 pn-funnel-root "$root"
  local entry name
  for entry in /*; do
    name=${entry#/}
    case $name in proc | sys | dev | tmp) continue ;; esac
    if [ -L "$entry" ]; then
      ln -s "$(readlink "$entry")" "$root/$name"
    elif [ -d "$entry" ]; then
      mkdir "$root/$name"
      mount --rbind "$entry" "$root/$name"
      mount -o remount,bind,ro "$root/$name"
    fi
  done
  mkdir -p "$root/proc" "$root/dev" "$root/tmp"
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mount -t tmpfs -o mode=1777 pn-funnel-tmp "$root/tmp"

  local i host container mode
  for ((i = 0; i < ${#volumes[@]}; i += 3)); do
    host=${volumes[i]} container=${volumes[i + 1]} mode=${volumes[i + 2]}
    case $container in /*) ;; *) fail "volume path '$container' is not absolute" ;; esac
    case /$container/ in */../* | */./*) fail "volume path '$container' has . or .. in it" ;; esac
    if [ -d "$host" ]; then
      mkdir -p "$root$container" || fail "cannot make the mount point $container"
    else
      mkdir -p "$(dirname "$root$container")" && touch "$root$container" || fail "cannot make the mount point $container"
    fi
    mount --bind "$host" "$root$container"
    if [ "$mode" = ro ]; then mount -o remount,bind,ro "$root$container"; fi
  done

  mkdir -p "$root$workdir" 2>/dev/null || true
  exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "${envs[@]}" \
    chroot "$root" /bin/sh -c 'cd -- "$0" || exit 125; exec "$@"' "$workdir" "$@"
}

stop() {
  local name pid
  name=$(checked_name "${1:-}")
  pid=$(cat "$state/$name.pid" 2>/dev/null) || return 0
  # The whole group; the process alone in the instant before its setsid().
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
}

command=${1:-}
shift || true
case $command in
  run) run "$@" ;;
  __enter) enter "$@" ;;
  stop) stop "$@" ;;
  pull) exit 0 ;;
  version) echo '{"Server": "1.41", "Client": "1.41"}' ;;
  *) fail "unknown command '$command' (run, stop, pull, version)" ;;
esac
