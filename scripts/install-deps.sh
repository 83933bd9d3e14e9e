#!/usr/bin/env bash
# install-deps.sh: installs the Debian packages CalmDB's tests and benchmarks run against.
#
#   redis-tools   redis-cli and redis-benchmark: the RESP front door is tested with the real client
#   redis-server  a real Redis for the side-by-side benchmarks and the differential test
#   python3-redis redis-py for Debian's /usr/bin/python3: tests run real redis-py programs against a node
#
# It does nothing when every tool is already on the PATH, never prompts, and uses sudo only when it
# does not run as root. Safe to run again and again, for example at the start of every CI run.
set -euo pipefail

note() { printf 'install-deps: %s\n' "$*" >&2; }

missing=()
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
command -v redis-benchmark >/dev/null 2>&1 || case " ${missing[*]-} " in *" redis-tools "*) ;; *) missing+=(redis-tools) ;; esac
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
/usr/bin/python3 -c 'import redis' >/dev/null 2>&1 || missing+=(python3-redis)

if [ ${#missing[@]} -eq 0 ]; then
  note "redis-cli, redis-benchmark, redis-server and redis-py are present"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  note "missing ${missing[*]} and apt-get is not available: install them with your package manager"
  exit 1
fi

sudo_prefix=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { note "not root and no sudo: run as root: apt-get install ${missing[*]}"; exit 1; }
  sudo_prefix=(sudo -n)
fi

note "installing ${missing[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
"${sudo_prefix[@]}" apt-get update -q
# The package's post-install script may try to start a redis-server service; on a machine without an
# init system that fails harmlessly, and the benchmarks start their own instances anyway.
"${sudo_prefix[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

command -v redis-cli >/dev/null 2>&1 || { note "redis-cli still missing after install"; exit 1; }
note "done: $(redis-cli --version)"
