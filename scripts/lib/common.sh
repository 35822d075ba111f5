# Shared by the scripts in scripts/: paths, logging, tool environment. Source it; do not run it.
# shellcheck shell=bash
BOS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export BOS_ROOT
# Emscripten 3.1.6 (Debian) needs Debian's acorn for -O2+ and Debian's python for its tools.
export NODE_PATH=/usr/share/nodejs
export EMSDK_PYTHON=/usr/bin/python3
# dotnet global tools (pwsh) live here.
case ":$PATH:" in *":$HOME/.dotnet/tools:"*) ;; *) export PATH="$PATH:$HOME/.dotnet/tools" ;; esac
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Never let a tool download a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export BOS_CHROMIUM=/usr/bin/chromium
# The AWS CLI v2 from Debian, not whatever `aws` comes first on PATH.
export BOS_AWS_CLI="${BOS_AWS_CLI:-/usr/bin/aws}"

bos_log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
bos_warn() { printf '\033[1;33mwarning:\033[0m %s\n' "$*" >&2; }
bos_die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Runs scripts/bootstrap unless its stamp says everything is in place (it is fast either way).
bos_ensure_bootstrap() {
  "$BOS_ROOT/scripts/bootstrap" --if-needed
}

# Configures a preset once; later builds re-run CMake only when its inputs change.
#   bos_configure PRESET [-DNAME=VALUE...]   also when the cache does not hold each NAME=VALUE yet
#                                            (scripts/test: -DBOS_WERROR=ON)
bos_configure() {
  local preset="$1" dir="$BOS_ROOT/build/$1" d name value
  shift
  local needed=0
  if [ ! -f "$dir/CMakeCache.txt" ] || [ ! -f "$dir/build.ninja" ]; then needed=1; fi
  for d in "$@"; do
    name=${d#-D}; value=${name#*=}; name=${name%%=*}; name=${name%%:*}
    grep -qxE "${name}(:[A-Z]+)?=${value}" "$dir/CMakeCache.txt" 2>/dev/null || needed=1
  done
  if [ "$needed" = 1 ]; then
    (cd "$BOS_ROOT" && cmake --preset "$preset" "$@" >&2)
  fi
}
