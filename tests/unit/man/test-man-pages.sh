#!/bin/bash
# Every installed program has --help, --version and a man page that match its
# real options (the getopt tables in its sources), the same short options
# in --help as in the man page, an EXIT STATUS section,
# exit status 2 for an unknown option; every declaration key the generator
# supports or names is in the format's man page.
#   test-man-pages.sh SOURCE_DIR BUILD_DIR
set -euo pipefail

src=$1
build=$2
failed=0
bad() {
        echo "FAIL: $*"
        failed=1
}

# long options in the option tables of the given sources
source_options() {
        grep -ohE '\{ *"[a-z][a-z0-9-]*", *(no_argument|required_argument|optional_argument)' "$@" |
                grep -oE '"[a-z][a-z0-9-]*"' | tr -d '"' | sed 's/^/--/' | sort -u
}
# long options a text names
text_options() {
        grep -oE -- '(^|[^A-Za-z0-9-])--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}
# long options a man page names as options (bold: *--x*)
man_options() {
        grep -oE -- '\*--[a-z][a-z0-9-]*' "$1" | sed 's/^\*//' | sort -u
}

# short options a text names: "-x" on its own, not inside a word, a long
# option, a number or a range ("a-z")
text_short_options() {
        grep -oE -- '(^|[][ (|,"])-[A-Za-z]([] ),|=.:"]|$)' | grep -oE -- '-[A-Za-z]' | sort -u
}
# short options a man page names as options (bold: *-x*)
man_short_options() {
        grep -oE -- '\*-[A-Za-z]\*' "$1" | tr -d '*' | sort -u
}

# check NAME BINARY MAN "SOURCES" "EXTRA" HELP-ARGS...
# EXTRA: options the help or the page may name that are in no option table
# (parsed by hand, or another program's).
# Each HELP-ARGS is one help invocation (words split on blanks).
check() {
        local name=$1 bin=$2 man=$3 sources=$4 extra=$5
        shift 5
        local helps="" out rc s h m

        [ -x "$bin" ] || { bad "$name: $bin is not built"; return; }
        [ -f "$man" ] || { bad "$name: no man page $man"; return; }
        grep -q '^# EXIT STATUS' "$man" || bad "$name: $man has no EXIT STATUS section"

        rc=0
        out=$("$bin" --version 2>&1) || rc=$?
        [ $rc = 0 ] && [[ $out == "$name "[0-9]* ]] || bad "$name --version: rc $rc: $out"
        rc=0
        "$bin" --no-such-option >/dev/null 2>&1 || rc=$?
        [ $rc = 2 ] || bad "$name --no-such-option: exit status $rc, expected 2"
        for args in "$@"; do
                rc=0
                # shellcheck disable=SC2086
                out=$("$bin" $args 2>&1) || rc=$?
                [ $rc = 0 ] && [ -n "$out" ] || bad "$name $args: rc $rc: $out"
                helps+=$out$'\n'
        done

        # shellcheck disable=SC2086
        s=$(source_options $sources)
        h=$(text_options <<<"$helps")
        m=$(man_options "$man")
        for o in $(comm -23 <(echo "$s") <(echo "$m")); do
                bad "$name: $o is an option but not in $(basename "$man")"
        done
        for o in $(comm -23 <(echo "$s") <(echo "$h")); do
                bad "$name: $o is an option but not in --help"
        done
        for o in $(comm -13 <(echo "$s") <(echo "$h")); do
                [[ " $extra " == *" $o "* ]] || bad "$name: --help names $o, which is no option"
        done
        for o in $(comm -13 <(echo "$s") <(echo "$m")); do
                [[ " $extra " == *" $o "* ]] ||
                        bad "$name: $(basename "$man") names $o, which is no option"
        done

        # short options: the same in --help and in the page
        h=$(text_short_options <<<"$helps")
        m=$(man_short_options "$man")
        for o in $(comm -23 <(echo "$h") <(echo "$m")); do
                bad "$name: --help names $o, $(basename "$man") does not"
        done
        for o in $(comm -13 <(echo "$h") <(echo "$m")); do
                bad "$name: $(basename "$man") names $o, --help does not"
        done
}

man=$src/man
verbs_ctl=(images pull rmi load save ps create run start stop restart kill rm exec logs inspect)
check berthctl "$build/cli/berthctl" "$man/berthctl.1.scd" "$src/cli/*.c" "" \
        --help "${verbs_ctl[@]/%/ --help}"
check berth-runtime "$build/runtime/berth-runtime" "$man/berth-runtime.8.scd" \
        "$src/runtime/*.c" "--no-block --help --version" \
        --help "run --help" "cleanup --help" "exec --help" "stop --help" "create --help"
check berthd "$build/manager/berthd/berthd" "$man/berthd.8.scd" \
        "$src/manager/berthd/berthd.c" "" --help
check berth-pull "$build/manager/registry/berth-pull" "$man/berth-pull.8.scd" \
        "$src/manager/registry/berth-pull.c" "" --help
check berth-store "$build/manager/store/berth-store" "$man/berth-store.8.scd" \
        "$src/manager/store/berth-store.c" "--json" --help
check berth-generator "$build/generator/berth-generator" "$man/berth-generator.8.scd" \
        "$src/generator/main.c" "" --help
check berth-netns "$build/runtime/network/berth-netns" "$man/berth-netns.8.scd" \
        "$src/runtime/network/berth-netns.c" "" --help "create --help" "remove --help" \
        "attach --help" "detach --help" "gc --help"

# Declaration keys: supported, ignored or refused, each is named in the
# format's page (*Key=*, *Key* or a *Prefix\** wildcard).
keys_in() { # FILE...: the keys of KeyInfo tables
        grep -ohE '\{"[A-Za-z]+", KEY_[A-Z]+|SUPPORTED\("[A-Za-z]+"\)' "$@" |
                grep -oE '"[A-Za-z]+"' | tr -d '"' | sort -u
}
key_documented() { # KEY PAGE
        local k=$1 page=$2 p
        grep -qE "\*$k(=[^*]*)?\*" "$page" && return 0
        for p in $(grep -oE '\*[A-Za-z]+\\\*\*' "$page" | grep -oE '[A-Za-z]+'); do
                [[ $k == "$p"* ]] && return 0
        done
        return 1
}
for pair in "container-keys.c:berth.container.5.scd" "volume.c:berth.container.5.scd" \
        "image.c:berth.container.5.scd" "network.c:berth.network.5.scd"; do
        f=${pair%%:*}
        page=$man/${pair#*:}
        n=0
        for k in $(keys_in "$src/generator/$f"); do
                n=$((n + 1))
                key_documented "$k" "$page" || bad "$f: key $k is not in $(basename "$page")"
        done
        [ $n -gt 0 ] || bad "$f: no keys found (has the table's form changed?)"
done
for p in berth.container.5 berth.volume.5 berth.image.5 berth.network.5 berth.conf.5; do
        [ -f "$man/$p.scd" ] || bad "no man page $p"
done

[ $failed = 0 ] && echo "ok: man pages, --help and --version match the programs"
exit $failed
