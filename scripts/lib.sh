# lib.sh: helpers shared by scripts/demo and scripts/test (sourced, not run).
# Installing what is missing and configuring a build live here so both scripts agree.

PITH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PITH_JOBS=${PITH_JOBS:-$(nproc 2>/dev/null || echo 2)}

note() { printf '== %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }

# Runs a command as root: directly when we are root, through sudo when it exists.
as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        return 1
    fi
}

# ensure_packages PKG...: installs the Debian packages that are not installed yet.
# Never fatal: a package that cannot be installed only makes the suites needing it skip.
ensure_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        warn "missing packages (${missing[*]}) and no apt-get to install them"
        return 0
    fi
    if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
        warn "missing packages (${missing[*]}); run as root or install sudo"
        return 0
    fi
    note "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # A fresh machine has no package lists yet; only update when a plain install fails.
    if as_root apt-get install -y -q "${missing[@]}" >/dev/null 2>&1; then
        return 0
    fi
    as_root apt-get update -q >/dev/null 2>&1 || warn "apt-get update failed"
    if ! as_root apt-get install -y -q "${missing[@]}" >/dev/null 2>&1; then
        # One unavailable package must not keep the others out.
        for p in "${missing[@]}"; do
            as_root apt-get install -y -q "$p" >/dev/null 2>&1 || warn "could not install $p"
        done
    fi
}

# configure DIR [CMAKE-ARGS...]: configures (or reconfigures) a build tree.
configure() {
    local dir=$1
    shift
    mkdir -p "$PITH_ROOT/$dir"
    cmake -S "$PITH_ROOT" -B "$PITH_ROOT/$dir" "$@" >"$PITH_ROOT/$dir/configure.log" 2>&1 || {
        tail -n 30 "$PITH_ROOT/$dir/configure.log" >&2
        return 1
    }
}

# build DIR TARGET...: builds targets, showing only the compiler's complaints on failure.
build() {
    local dir=$1
    shift
    local log="$PITH_ROOT/$dir/build.log" t
    : >"$log"
    for t in "$@"; do
        if ! cmake --build "$PITH_ROOT/$dir" -j "$PITH_JOBS" --target "$t" >>"$log" 2>&1; then
            grep -E 'error:|warning:|undefined reference|No rule to make' "$log" | head -n 12 >&2
            warn "building $t in $dir failed (full log: $dir/build.log)"
            return 1
        fi
    done
}
