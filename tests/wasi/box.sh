# box.sh: the sandbox fixture of the WASI suites, sourced by tests/wasi/run.sh and
# tests/wasi2/run.sh (after $T, pass and fail exist): a preopen with escape hatches planted.
# Both suites run the same escape.c against it, so the fixture and its verdict live here once.

# A sandbox with escape hatches planted by the host, and a directory outside it.
fresh_box() {
    chmod -R u+w "$T/box" 2>/dev/null
    rm -rf "$T/box"
    mkdir -p "$T/box/sandbox/sub" "$T/box/outside"
    echo secret >"$T/box/outside/secret"
    echo f >"$T/box/sandbox/sub/f"
    ln -s ../outside/secret "$T/box/sandbox/out_rel"
    ln -s "$T/box/outside/secret" "$T/box/sandbox/out_abs"
    ln -s ../outside "$T/box/sandbox/out_dir"
    ln -s ../outside/new "$T/box/sandbox/out_new"
    ln -s /proc/self/root "$T/box/sandbox/proc"
    ln -s loop "$T/box/sandbox/loop"
}
BOX="--dir $T/box/sandbox::/sandbox"

# After escape.c ran in a fresh box: nothing outside the sandbox may have changed.
box_outside_unchanged() {
    if [ "$(ls -A "$T/box/outside")" = secret ] && [ "$(cat "$T/box/outside/secret")" = secret ] &&
        [ ! -e "$T/box/evil" ] && [ ! -e "$T/evil" ]; then
        pass "escape: nothing outside the sandbox changed"
    else
        fail "escape: nothing outside the sandbox changed" "$(ls -la "$T/box" "$T/box/outside")"
    fi
}
